"""Pin map of the ESP32_GENERIC node (DevKitC-style board).

GPIO 26 drives the actuator's enable input (low = safe), GPIO 2 is the on-board
LED, GPIO 34/35 are input-only ADC1 pins (ADC2 is unusable with Wi-Fi on), the
I2C pressure sensor sits on the default SCL 22 / SDA 21. GPIO 27 jumpered to GND
while the board boots keeps redline from starting (the REPL is the maintainer's).
"""
HALT = 26
HALT_SAFE_LEVEL = 0
LED = 2
ADC_CHANNELS = (("temp_a", 34), ("temp_b", 35))
ADC_ATTEN = 3            # machine.ADC.ATTN_11DB: 0..3.3 V full scale
I2C_ID = 0
I2C_SCL = 22
I2C_SDA = 21
I2C_FREQ = 400000
I2C_SENSOR = ("pressure", 0x76, 0xF7)   # channel, address, 16-bit register
WATCHDOG_MS = 8000
MAINT_PIN = 27           # held at MAINT_LEVEL during boot: redline does not start, REPL follows
MAINT_LEVEL = 0          # pull-up on; jumper to GND
