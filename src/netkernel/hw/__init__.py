"""Emulated hardware: SoCs, guest DRAM, MMIO buses, interrupt lines, device models and cables.

Nothing here is a kernel function: the tracer never records this layer, and no module here
imports the kernel layers above it. Kernel code reaches a device model only through 32-bit
MMIO (netkernel.lib.iomap) and guest memory; a model reaches the kernel only through the
interrupt line the machine wired to the CPU.
"""
