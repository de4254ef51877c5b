"""Kring: find a support group, a talk circle or group psychotherapy in Belgium and the Netherlands."""
