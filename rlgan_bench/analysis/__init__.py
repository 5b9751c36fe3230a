"""The benchmark's statistics, between evaluation (which measures) and report (which renders):
intervals over seeds, the real-data calibration of reward selection, the one definition of
each verdict (hacked, diversity collapse, memorisation), the budget and the frontier ranking.
Nothing here draws samples or runs a network; everything is numbers in, numbers out.

- :mod:`rlgan_bench.analysis.results`: the cells of a results directory, columns, rows, boards
- :mod:`rlgan_bench.analysis.selection`: what selecting real images by a reward does to the
  reward and its audit (the calibration of the hacked verdict)
- :mod:`rlgan_bench.analysis.hacking`: the one definition of "hacked"
- :mod:`rlgan_bench.analysis.frontier`: what a base-protocol matrix's frontier is made of:
  curves, points over seeds with intervals, costs against base and control
- :mod:`rlgan_bench.analysis.frontier_report`: the frontiers of a results directory, built
- :mod:`rlgan_bench.analysis.seed_values`: each seed's values against its own base
- :mod:`rlgan_bench.analysis.verdicts`: the flags at each point (hacked, over-optimised,
  diversity collapse, memorisation), each rule beside its definition;
  :mod:`rlgan_bench.analysis.verdict_controls`: the hacked verdict's controls
- :mod:`rlgan_bench.analysis.noise_floors`: the seed-to-seed noise of the bases
- :mod:`rlgan_bench.analysis.budget`: the budget, the ranking of curves within it, the area
- :mod:`rlgan_bench.analysis.definitions`: every definition the report states, in its order
"""
