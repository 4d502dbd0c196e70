"""Pin map of the RPI_PICO (RP2040) node.

GP15 drives the actuator's enable input (low = safe), GP25 is the on-board LED,
GP26/GP27 are ADC0/ADC1, the I2C pressure sensor is on I2C0 SDA GP4 / SCL GP5.
The RP2040 watchdog allows at most 8388 ms. GP14 jumpered to 3V3 while the board
boots keeps redline from starting (the REPL is the maintainer's). MARKER: a free GPIO the node pulses
around each guard step, sift and pipeline message, for timing with a logic
analyser (None: off). The emulated Pico (``redline vboard --board rp2040``) puts
a copy of this file with ``MARKER = 22`` on its filesystem, where it shadows
the frozen one; a real Pico can do the same.
"""
HALT = 15
HALT_SAFE_LEVEL = 0
LED = 25
ADC_CHANNELS = (("temp_a", 26), ("temp_b", 27))
I2C_ID = 0
I2C_SCL = 5
I2C_SDA = 4
I2C_FREQ = 400000
I2C_SENSOR = ("pressure", 0x76, 0xF7)
WATCHDOG_MS = 8000
MAINT_PIN = 14           # held at MAINT_LEVEL during boot: redline does not start, REPL follows
MAINT_LEVEL = 1          # pull-down on; jumper to 3V3
MARKER = None
