"""Evaluation of synthetic data: fidelity, utility and privacy (attack simulations in ``attacks``)."""
