"""NN3xx: the model and the loss (checklist section III)."""
