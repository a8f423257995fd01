"""data_training.py (hidden) — exercise 10 on other shapes, seeds and settings (a deeper MLP)."""
import data_training as v


def make(out):
    v.mlp_case(out, "ex10/deep", 1010, (3, 3, 2, 2), [9, 6], 4)
    v.mlp_case(out, "ex10/deep_ce", 1011, (5, 2, 2, 3), [10, 5], 6, with_labels=True)
    v.sgd_case(out, "ex10/sgd_mix", 1020, (4, 3), 6, 0.03, 0.95, 0.05, False)
    v.sgd_case(out, "ex10/sgd_nest", 1021, (7,), 5, 0.2, 0.5, 0.02, True)
