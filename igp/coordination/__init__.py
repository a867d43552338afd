"""Coordination: one point of contact per family, substitution, caseloads, exit, knelpunten."""
