from rlgan_bench.cli import cli

cli()
