"""The five services of the suite: intake, assignment, supervision, evaluation, notify."""
