"""The implementations that built-in plugins, third-party plugins and the framework share: the
shipped networks and the registry of their weights (``nets``, ``weights``), the embedded
digits dataset (``digits``) and the Gaussian policy of the policy-gradient methods
(``policy``).

``rlgan_bench.core`` holds the contracts these build on (the Backbone, Reward, Method, Metric
and Dataset base classes, records, errors); :mod:`rlgan_bench.api` re-exports the names a
plugin may use from both. Plugins, built-ins included, import them from the API, never from
here: this layer is internal and may move between releases.
"""
