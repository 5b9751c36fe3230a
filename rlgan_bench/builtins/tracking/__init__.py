"""Experiment trackers (TensorBoard, Weights & Biases) as plugins on the training and evaluation
hooks, written the way a third party would write one. A run turns one on with ``--log-to NAME``
(``log_to`` in a config); without it the plugin does nothing."""
