"""What several rules need to know about a program, computed by nnlint itself.

LibCST's Scope and QualifiedName providers cost 5-8x the parse, so names are
resolved by ``imports.ImportMap``, values are followed by a small abstract
interpreter (``interpreter``) over statements in order, and other project files
are read on demand (``project``) — never imported or executed.
"""
