"""What a Yosys netlist for a Xilinx family holds: resources by kind, and its longest
register-to-register path in logic levels, as Vivado counts them (every LUT, CARRY and MUXF on the
path is a level).

Resources follow the vendors' utilization reports: LUTRAM in LUTs (a RAM64M is four), BRAM in
18 kb halves (a RAMB36 counts 2), FFs of every flavour, DSP slices, CARRY chains."""
from collections import Counter, defaultdict
from functools import cached_property

# LUTs each LUT-RAM or shift-register primitive occupies
LUTRAM_LUTS = {"RAM16X1S": 1, "RAM32X1S": 1, "RAM64X1S": 1, "RAM128X1S": 2, "RAM256X1S": 4,
               "RAM32X1D": 2, "RAM64X1D": 2, "RAM128X1D": 4, "RAM32M": 4, "RAM64M": 4, "RAM32M16": 8,
               "RAM64M8": 8, "SRL16E": 1, "SRLC16E": 1, "SRLC32E": 1}
BRAM18 = {"RAMB18E1": 1, "RAMB36E1": 2, "RAMB18E2": 1, "RAMB36E2": 2, "FIFO18E1": 1, "FIFO36E1": 2,
          "FIFO18E2": 1, "FIFO36E2": 2}
FF_PREFIXES = ("FD", "LD")
KEYS = ("lut", "lutram", "ff", "bram_18k", "uram", "dsp", "carry", "muxf")
# Cells that end and start paths (their outputs come from storage); LUT RAM and shift registers
# also start paths (their contents) but their read is combinational, so they are levels too.
SEQUENTIAL_PREFIXES = FF_PREFIXES + ("RAMB", "FIFO", "URAM")
IGNORED = {"BUFG", "IBUF", "OBUF", "IOBUF", "BUFGCTRL", "GND", "VCC", "$scopeinfo"}
# Clock and reset ports are not streams: paths from them are not reported.
CONTROL_PORTS = {"clk", "rst_n", "ap_clk", "ap_rst_n"}


def _feeds_output(cell_type: str, port: str) -> bool:
    """Whether an input port of a cell reaches its outputs combinationally: for LUT RAM and shift
    registers only the read address does (data, write enable and clock are written on the edge)."""
    if cell_type in LUTRAM_LUTS:
        return port.startswith(("A", "DPRA"))
    return True


def resource_counts(cells_by_type: dict) -> dict:
    counts = dict.fromkeys(KEYS, 0)
    for cell, n in cells_by_type.items():
        if cell.startswith("LUT") and cell[3:].isdigit():
            counts["lut"] += n
        elif cell in LUTRAM_LUTS:
            counts["lutram"] += n * LUTRAM_LUTS[cell]
        elif cell.startswith(FF_PREFIXES):
            counts["ff"] += n
        elif cell in BRAM18:
            counts["bram_18k"] += n * BRAM18[cell]
        elif cell.startswith("URAM"):
            counts["uram"] += n
        elif cell.startswith("DSP"):
            counts["dsp"] += n
        elif cell.startswith("CARRY"):
            counts["carry"] += n
        elif cell.startswith("MUXF"):
            counts["muxf"] += n
    counts["lut_total"] = counts["lut"] + counts["lutram"]
    return counts


def _is_sequential(cell: dict) -> bool:
    kind = cell["type"]
    if kind.startswith(SEQUENTIAL_PREFIXES):
        return True
    if kind.startswith("DSP"):  # a DSP slice whose output register is on ends a path
        return str(cell.get("parameters", {}).get("PREG", "1")).strip("0") != ""
    return False


class Netlist:
    """One flattened module of a Yosys `write_json` netlist."""

    def __init__(self, module: dict):
        self.ports = module["ports"]
        self.net_name = {}  # net bit -> a user-visible name of the net (the design's own signal)
        for name, net in sorted(module.get("netnames", {}).items(), key=lambda kv: (kv[1].get("hide_name", 0), len(kv[0]))):
            if net.get("hide_name"):
                continue
            for i, b in enumerate(net["bits"]):
                if not isinstance(b, str):
                    self.net_name.setdefault(b, f"{name}[{i}]" if len(net["bits"]) > 1 else name)
        self.cells = {name: c for name, c in module["cells"].items() if c["type"] not in IGNORED}
        self.driver = {}  # net bit -> driving cell name (combinational cells only)
        self.readers = defaultdict(list)
        for name, cell in self.cells.items():
            for port, bits in cell["connections"].items():
                direction = cell.get("port_directions", {}).get(port, "input")
                for b in bits:
                    if isinstance(b, str):  # constant
                        continue
                    if direction == "output":
                        self.driver[b] = name
                    elif _feeds_output(cell["type"], port):
                        self.readers[name].append(b)

    def _combinational(self, name: str) -> bool:
        return not _is_sequential(self.cells[name])

    @cached_property
    def order(self) -> list:
        """Combinational cells in an order where each comes after every combinational cell it reads
        (computed once: both analyses walk it, and a whole design has tens of thousands of cells)."""
        comb = [n for n in self.cells if self._combinational(n)]
        inputs = {n: {self.driver[b] for b in self.readers[n] if b in self.driver and self._combinational(self.driver[b])}
                  for n in comb}
        users = defaultdict(list)
        for n, sources in inputs.items():
            for s in sources:
                users[s].append(n)
        pending = {n: len(s) for n, s in inputs.items()}
        ready = [n for n, k in pending.items() if k == 0]
        order = []
        while ready:
            n = ready.pop()
            order.append(n)
            for u in users[n]:
                pending[u] -= 1
                if pending[u] == 0:
                    ready.append(u)
        if len(order) != len(comb):
            loop = sorted(n for n, k in pending.items() if k > 0)[:5]
            raise ValueError(f"combinational loop through {', '.join(loop)}")
        return order

    def _longest(self, weight) -> tuple:
        """The path of largest summed weight(cell type, fed by a carry chain) from a register,
        memory or input port to a register, memory or output port -> (total, cells on it)."""
        total, came_from = {}, {}
        for n in self.order:
            best, via = 0.0, None
            for b in self.readers[n]:
                d = self.driver.get(b)
                if d is not None and d in total and (via is None or total[d] > best):
                    best, via = total[d], d
            chained = via is not None and self.cells[via]["type"].startswith("CARRY")
            total[n], came_from[n] = best + weight(self.cells[n]["type"], chained), via
        if not total:
            return 0.0, []
        end = max(total, key=total.get)
        path = [end]
        while came_from[path[-1]] is not None:
            path.append(came_from[path[-1]])
        path.reverse()
        return total[end], path

    def _path_report(self, path: list) -> dict:
        kinds = Counter(self.cells[n]["type"] for n in path)
        return {"path_cells": dict(sorted(kinds.items())),
                "path_ends": [self._describe_input(path[0]), self._describe_output(path[-1])]}

    def logic_levels(self) -> dict:
        """Longest path from a register, memory or input port to a register, memory or output port,
        in combinational cells; with the cells at its two ends."""
        levels, path = self._longest(lambda kind, chained: 1)
        return {"levels": int(levels), **(self._path_report(path) if path else {"path": []})}

    def delay_path(self, cell_ns) -> dict:
        """The path of largest delay by `cell_ns(cell type, fed by a carry chain)` (a family's delay
        model: a carry chain's later cells cost less than its first, an inverter nothing), with its
        delay, its logic levels and the cells at its two ends."""
        ns, path = self._longest(cell_ns)
        return {"ns": round(ns, 3), "levels": len(path), **(self._path_report(path) if path else {})}

    def _describe_output(self, cell: str) -> str:
        """The named signal a cell drives (or the cell's own name)."""
        for port, bits in self.cells[cell]["connections"].items():
            if self.cells[cell].get("port_directions", {}).get(port) == "output":
                for b in bits:
                    if b in self.net_name:
                        return self.net_name[b]
        return cell

    def _describe_input(self, cell: str) -> str:
        """The named signal a path's first cell reads (a register's output or a port)."""
        for b in self.readers[cell]:
            if b in self.net_name:
                return self.net_name[b]
        return cell

    def port_paths(self) -> list:
        """(input port, output port) pairs joined by a purely combinational path."""
        port_of = {}
        for name, port in self.ports.items():
            if port["direction"] == "input" and name not in CONTROL_PORTS:
                for b in port["bits"]:
                    if not isinstance(b, str):
                        port_of[b] = name
        reach = {}  # combinational cell -> input ports it depends on
        for n in self.order:
            found = set()
            for b in self.readers[n]:
                if b in port_of:
                    found.add(port_of[b])
                d = self.driver.get(b)
                if d is not None and d in reach:
                    found |= reach[d]
            reach[n] = found
        pairs = set()
        for name, port in self.ports.items():
            if port["direction"] != "output":
                continue
            for b in port["bits"]:
                if isinstance(b, str):
                    continue
                if b in port_of:
                    pairs.add((port_of[b], name))
                d = self.driver.get(b)
                if d is not None and d in reach:
                    pairs |= {(i, name) for i in reach[d]}
        return sorted(pairs)
