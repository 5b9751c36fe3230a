"""The benchmark's statistics, between evaluation (which measures) and report (which renders):
intervals over seeds, the real-data calibration of reward selection, the one definition of
each verdict (hacked, diversity collapse, memorisation), the budget and the frontier ranking.
Nothing here draws samples or runs a network; everything is numbers in, numbers out.

- :mod:`rlgan_bench.analysis.results`: the cells of a results directory, columns, rows, boards
- :mod:`rlgan_bench.analysis.selection`: what selecting real images by a reward does to the
  reward and its audit (the calibration of the hacked verdict)
- :mod:`rlgan_bench.analysis.hacking`: the one definition of "hacked"
- :mod:`rlgan_bench.analysis.frontier`: a base-protocol matrix's frontiers: points over seeds
  with intervals, costs against base and control, flags, controls, the budget ranking
"""
