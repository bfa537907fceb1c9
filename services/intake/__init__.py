"""Intake (提): suggestions from submission to registration."""
