"""An independent Modbus TCP server for fabctl's tests: pymodbus 3.11 playing a device.

Usage: python3 pymodbus_peer.py PORT CONFIG_JSON

CONFIG_JSON (every key optional):
  {"unit": 1,
   "holding": {"4002": 17}, "coils": {"10": true}, "input": {"5": 450}, "discrete": {"1": true},
   "program": [{"kind": "holding", "address": 10, "value": 5, "period_ms": 200}],
   "sparse": false}

Tables hold 10,000 zeros (or false) with the given protocol addresses set. With
"sparse": true the holding table holds only the given addresses, and pymodbus answers
a read touching any other one with IllegalDataAddress, as its sparse blocks do. Each
"program" entry plays a PLC program that writes `value` to one register or coil every
`period_ms`, as a scan that owns an output would. The server serves until killed.
"""

import asyncio
import json
import sys

from pymodbus.datastore import (
    ModbusSequentialDataBlock,
    ModbusServerContext,
    ModbusSparseDataBlock,
)
from pymodbus.server import StartAsyncTcpServer

try:
    from pymodbus.datastore import ModbusDeviceContext as DeviceContext
except ImportError:  # pymodbus before 3.10
    from pymodbus.datastore import ModbusSlaveContext as DeviceContext

SIZE = 10_000
# Function codes pymodbus's datastore uses to pick a table.
TABLE_FC = {"coils": 1, "discrete": 2, "holding": 3, "input": 4}
KIND_FC = {"coil": 1, "discrete": 2, "holding": 3, "input": 4}


def device(config):
    # pymodbus serves protocol address N from block index N + 1.
    blocks = {
        "co": ModbusSequentialDataBlock(1, [False] * SIZE),
        "di": ModbusSequentialDataBlock(1, [False] * SIZE),
        "hr": ModbusSparseDataBlock(
            {int(a) + 1: v for a, v in config.get("holding", {}).items()}
        )
        if config.get("sparse")
        else ModbusSequentialDataBlock(1, [0] * SIZE),
        "ir": ModbusSequentialDataBlock(1, [0] * SIZE),
    }
    ctx = DeviceContext(**blocks)
    for table, fc in TABLE_FC.items():
        for address, value in config.get(table, {}).items():
            ctx.setValues(fc, int(address), [value])
    return ctx


async def program(ctx, entry):
    fc = KIND_FC[entry.get("kind", "holding")]
    while True:
        ctx.setValues(fc, int(entry["address"]), [entry["value"]])
        await asyncio.sleep(entry["period_ms"] / 1000)


async def main():
    port = int(sys.argv[1])
    config = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    ctx = device(config)
    server = ModbusServerContext(devices={config.get("unit", 1): ctx}, single=False)
    tasks = [asyncio.create_task(program(ctx, e)) for e in config.get("program", [])]
    await StartAsyncTcpServer(context=server, address=("127.0.0.1", port))
    for task in tasks:
        task.cancel()


asyncio.run(main())
