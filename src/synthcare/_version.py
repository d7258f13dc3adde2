__version__ = "0.1.0"

# Version of the on-disk model format. A model folder with a larger number was written by a
# newer synthcare and is refused with a clear error.
MODEL_FORMAT_VERSION = 1
