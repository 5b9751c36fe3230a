"""The context of each section of the HTML report (:mod:`rlgan_bench.report.html`): plain
values that the template of the same name in ``templates/`` places, one module per section
(``leaderboard.html.j2``: :mod:`~rlgan_bench.report.page.leaderboard`, ...); :mod:`parts` holds
the values several sections place (a table cell, a figure, a sample grid)."""
