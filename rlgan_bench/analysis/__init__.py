"""The benchmark's statistics, between evaluation (which measures) and report (which renders):
intervals over seeds, the real-data calibration of reward selection, the one definition of
each verdict (hacked, diversity collapse, memorisation), the budget and the frontier ranking.
Nothing here draws samples or runs a network; everything is numbers in, numbers out."""
