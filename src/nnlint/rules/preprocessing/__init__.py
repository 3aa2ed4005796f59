"""NN2xx: normalisation and augmentation (checklist section II)."""
