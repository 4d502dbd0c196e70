"""The RPI_PICO board for firmware/main.py: pins from pins.py, shims from boards/common.

    import redline_board
    board = redline_board.make()
"""
import pins
from redline_shims import make_board

NAME = "RPI_PICO"


def make():
    return make_board(NAME, pins)
