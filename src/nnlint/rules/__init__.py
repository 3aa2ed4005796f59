"""Static rules, one per file, grouped in families that follow the checklist's sections:
``data`` (NN1xx), ``preprocessing`` (NN2xx), ``implementation`` (NN3xx), ``training`` (NN4xx)."""
