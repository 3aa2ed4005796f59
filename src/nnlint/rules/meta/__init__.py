"""NN0xx: findings about nnlint's own comments, not about the training code (NN000 is the syntax error)."""
