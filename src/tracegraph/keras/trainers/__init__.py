"""The Trainer behind `Model.compile/fit/evaluate/predict`, and what it is made of."""
