"""NN1xx: the dataset and its loader (checklist section I)."""
