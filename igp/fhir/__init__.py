"""FHIR R4 (4.0.1) exchange with the Dutch nl-core (zib2020) profiles.

* `blueprint.py`: the /fhir blueprint (bearer tokens, no CSRF), `views.py` its routes;
* `outcome.py`: OperationOutcome, the shape of every error on /fhir;
* `validate.py`: the harness (fhirclient's 4.0.1 models + FHIRPath checks of nl-core);
* `capability.py`: what is supported (GET /fhir/metadata);
* one module per mapping (domain objects -> a resource dict).
"""
