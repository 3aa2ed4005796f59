"""NN4xx: the training loop (checklist section IV)."""
