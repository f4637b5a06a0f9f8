# Generates the reference table in cosine_reference.rs: the cosine length
# scaling of arXiv:2502.03373 as parameterised by open-r1/TRL (wrong answers
# use min_value_wrong at length 0 and max_value_wrong at max_len), evaluated
# in Python floats. Run: python3 cosine_reference.py
import math

MIN_WRONG, MAX_WRONG, MIN_CORRECT, MAX_CORRECT, MAX_LEN = -1.0, -0.5, 0.5, 1.0, 1000

def reward(length, correct):
    progress = min(length / MAX_LEN, 1.0)
    if correct:
        lo, hi = MIN_CORRECT, MAX_CORRECT
    else:
        lo, hi = MAX_WRONG, MIN_WRONG
    return lo + 0.5 * (hi - lo) * (1.0 + math.cos(progress * math.pi))

for correct in (True, False):
    for length in (0, 1, 100, 333, 500, 750, 999, 1000, 1500):
        print(f"    ({length}, {str(correct).lower()}, {reward(length, correct)!r}),")
