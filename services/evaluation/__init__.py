"""Evaluation (评): ratings of replies, ballots, democratic evaluation and its 60% rules."""
