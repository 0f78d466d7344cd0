"""Differential suite: the same scenarios on the real kernel and on netkernel."""
