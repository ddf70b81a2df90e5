"""An independent Modbus server for fabctl's tests: pymodbus 3.11 playing a device.

Usage: python3 pymodbus_peer.py PORT CONFIG_JSON
       python3 pymodbus_peer.py --read PORT VALUES_JSON

CONFIG_JSON (every key optional):
  {"unit": 1, "units": [3, 4],
   "transport": "tcp" | "rtu-over-tcp" | "rtu", "serial": {"device": "/dev/pts/7", "baudRate": 19200, "parity": "none"},
   "holding": {"4002": 17}, "coils": {"10": true}, "input": {"5": 450}, "discrete": {"1": true},
   "program": [{"kind": "holding", "address": 10, "value": 5, "period_ms": 200}],
   "tls": {"cert": "server.pem", "key": "server.key", "client_ca": "ca.pem"},
   "unsupported": [16], "sparse": false,
   "encoded": [{"address": 300, "type": "FLOAT32", "value": 12.5,
                "word_order": "little", "byte_swap": true}]}

Tables hold 10,000 zeros (or false) with the given protocol addresses set. With
"sparse": true the holding table holds only the given addresses, and pymodbus answers
a read touching any other one with IllegalDataAddress, as its sparse blocks do. Each
"program" entry plays a PLC program that writes `value` to one register or coil every
`period_ms`, as a scan that owns an output would. "units" serves one such device per
unit id (instead of "unit"). "transport" is Modbus TCP on 127.0.0.1:PORT (default), RTU
framing on that TCP port, or Modbus RTU on the serial device of "serial" (parity none,
even or odd; 8 data bits, 1 stop bit; PORT unused). With "tls" the TCP server speaks
Modbus/TCP Security (pymodbus's TLS server, TLS 1.2 at least) and requires a client
certificate issued by "client_ca". Each write function code in "unsupported" (5, 6,
15, 16) is answered IllegalFunction, like a device without it (Modbus TCP only). Each
"encoded" entry puts `value` in holding registers from `address` on, as pymodbus's own
`convert_to_registers(value, DATATYPE[type], word_order)` encodes it (`word_order`
big by default), then with the two bytes of every register swapped if `byte_swap`
(pymodbus has no byte order of its own); a "STRING" is padded with NUL to `count`
registers if given. The server serves until killed and prints each encoded entry's
registers.

With --read, the script is a client instead: VALUES_JSON is a list of entries like
"encoded" ones without "value" and with "count" (registers to read); it reads each from
the holding registers of the server on PORT (unit 1), undoes `byte_swap`, decodes with
pymodbus's `convert_from_registers` and prints the list of values as JSON.
"""

import asyncio
import json
import ssl
import sys

from pymodbus.client import ModbusTcpClient
from pymodbus.datastore import (
    ModbusSequentialDataBlock,
    ModbusServerContext,
    ModbusSparseDataBlock,
)
from pymodbus import FramerType
from pymodbus.pdu import ExceptionResponse
from pymodbus.pdu.bit_message import WriteMultipleCoilsRequest, WriteSingleCoilRequest
from pymodbus.pdu.register_message import (
    WriteMultipleRegistersRequest,
    WriteSingleRegisterRequest,
)
from pymodbus.server import StartAsyncSerialServer, StartAsyncTcpServer, StartAsyncTlsServer

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
    for entry in config.get("encoded", []):
        registers = encode(entry)
        print(f"encoded {entry} as {[hex(r) for r in registers]}", flush=True)
        ctx.setValues(TABLE_FC["holding"], int(entry["address"]), registers)
    return ctx


WRITES = {
    5: WriteSingleCoilRequest,
    6: WriteSingleRegisterRequest,
    15: WriteMultipleCoilsRequest,
    16: WriteMultipleRegistersRequest,
}
ILLEGAL_FUNCTION = 0x01


def refusing(request_class):
    """The request class answering IllegalFunction instead of writing."""

    class Refused(request_class):
        async def update_datastore(self, context):
            return ExceptionResponse(self.function_code, ILLEGAL_FUNCTION)

    return Refused


def swap(registers, entry):
    """The registers with their two bytes swapped, if the entry asks for it."""
    if not entry.get("byte_swap"):
        return list(registers)
    return [((r & 0xFF) << 8) | (r >> 8) for r in registers]


def encode(entry):
    datatype = ModbusTcpClient.DATATYPE[entry["type"]]
    registers = ModbusTcpClient.convert_to_registers(
        entry["value"], datatype, word_order=entry.get("word_order", "big")
    )
    registers += [0] * (entry.get("count", len(registers)) - len(registers))
    return swap(registers, entry)


def read(port, entries):
    client = ModbusTcpClient("127.0.0.1", port=port, timeout=5)
    if not client.connect():
        sys.exit(f"cannot connect to 127.0.0.1:{port}")
    values = []
    for entry in entries:
        reply = client.read_holding_registers(int(entry["address"]), count=entry["count"])
        if reply.isError():
            sys.exit(f"read {entry} failed: {reply}")
        datatype = ModbusTcpClient.DATATYPE[entry["type"]]
        values.append(
            ModbusTcpClient.convert_from_registers(
                swap(reply.registers, entry),
                datatype,
                word_order=entry.get("word_order", "big"),
            )
        )
    client.close()
    print(json.dumps(values))


async def program(ctx, entry):
    fc = KIND_FC[entry.get("kind", "holding")]
    while True:
        ctx.setValues(fc, int(entry["address"]), [entry["value"]])
        await asyncio.sleep(entry["period_ms"] / 1000)


def tls_context(tls):
    # pymodbus's own context verifies no client; Modbus/TCP Security requires it.
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(certfile=tls["cert"], keyfile=tls["key"])
    ctx.load_verify_locations(cafile=tls["client_ca"])
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


async def main():
    port = int(sys.argv[1])
    config = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    units = config.get("units", [config.get("unit", 1)])
    devices = {unit: device(config) for unit in units}
    server = ModbusServerContext(devices=devices, single=False)
    tasks = [
        asyncio.create_task(program(ctx, e))
        for ctx in devices.values()
        for e in config.get("program", [])
    ]
    transport = config.get("transport", "tcp")
    address = ("127.0.0.1", port)
    if transport == "rtu":
        serial = config["serial"]
        await StartAsyncSerialServer(
            context=server,
            port=serial["device"],
            framer=FramerType.RTU,
            baudrate=serial.get("baudRate", 19200),
            parity={"none": "N", "even": "E", "odd": "O"}[serial.get("parity", "even")],
            bytesize=8,
            stopbits=1,
        )
    elif "tls" in config:
        sslctx = tls_context(config["tls"])
        await StartAsyncTlsServer(context=server, address=address, sslctx=sslctx)
    else:
        framer = FramerType.RTU if transport == "rtu-over-tcp" else FramerType.SOCKET
        refused = [refusing(WRITES[fc]) for fc in config.get("unsupported", [])]
        await StartAsyncTcpServer(
            context=server, address=address, framer=framer, custom_pdu=refused or None
        )
    for task in tasks:
        task.cancel()


if len(sys.argv) > 1 and sys.argv[1] == "--read":
    read(int(sys.argv[2]), json.loads(sys.argv[3]))
else:
    asyncio.run(main())
