"""In-app notifications (and the e-mail digests built from them): never personal data,
only the family's pseudonym and what happened."""
