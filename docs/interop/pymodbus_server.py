import asyncio, sys
from pymodbus.server import StartAsyncTcpServer
from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext
try:
    from pymodbus.datastore import ModbusDeviceContext as Ctx
except ImportError:
    from pymodbus.datastore import ModbusSlaveContext as Ctx
port = int(sys.argv[1])
# pymodbus data blocks are addressed from 1 by default for protocol address 0: use address 0 with +1 offset handled by pymodbus
hr = ModbusSequentialDataBlock(1, [0] * 5000)
co = ModbusSequentialDataBlock(1, [False] * 100)
ir = ModbusSequentialDataBlock(1, [450] * 100)
di = ModbusSequentialDataBlock(1, [True] * 100)
ctx = ModbusServerContext(Ctx(hr=hr, co=co, ir=ir, di=di), single=True)
asyncio.run(StartAsyncTcpServer(context=ctx, address=("127.0.0.1", port)))
