"""What training frameworks do around the user's code: which methods they call, in which mode, with which
guarantees (Lightning's hooks, accelerate's ``prepare`` / ``backward`` / ``accumulate``, the Hugging Face
``Trainer``).

The frameworks are never imported: their conventions are data (``facts.py``) plus one small module per
framework that answers the semantic model's questions about them.
"""
