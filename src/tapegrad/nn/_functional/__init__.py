"""The functions of ``tapegrad.nn.functional``, by family (re-exported there)."""
