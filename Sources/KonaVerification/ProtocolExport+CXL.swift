import KonaProtocol

extension ProtocolExport {
    /// The CXL HDM-DB part of `docs/protocol.md`: the messages with their classes and fields,
    /// what the specification says and where the model simplifies, and the two tables.
    static func cxlSection() -> String {
        var out = """
        # CXL: device-coherent memory with back-invalidation (HDM-DB)

        `remote.mechanism: cxl` puts the remote-memory range behind a CXL 3 device whose memory is
        host-managed device memory in device-coherent mode with back-invalidation (HDM-DB). The
        tables follow the CXL 3.0 specification (August 2022); section numbers are that
        revision's (3.3.3 and 3.5.1 checked against a quotation of its text; the others from its
        layout of chapter 3, to be rechecked against the text):

        - CXL.mem's message classes (3.3): M2S Req (3.3.5: `MemRd`, `MemRdData`, `MemInv`), M2S RwD
          (3.3.6: `MemWr`, `MemWrPtl`, and `BIConflict`, which carries no data), M2S BIRsp (3.3.7), S2M BISnp (3.3.8),
          S2M NDR (3.3.9: `Cmp`, `Cmp-S`, `Cmp-E`, `BIConflictAck`) and S2M DRS (3.3.10: `MemData`).
          An M2S request's MetaField/MetaValue says what the host will hold (I, S or A = any) and its
          SnpType what the device must do to other caches.
        - The device keeps an inclusive snoop filter of the lines hosts cache and back-invalidates
          them with `BISnp*` when an entry must go (3.3.3); HDM-DB needs the 256-byte flit mode.
        - Ordering (3.3.11): the classes are independent of each other (one may overtake another),
          except that S2M NDR is ordered per address, so a `BIConflictAck` arrives behind every
          `Cmp*` the device sent before it for the line.
        - Conflicts (3.5.1): a host that receives a `BISnp` for a line whose M2S request has no
          `Cmp` yet sends `BIConflict` and waits for `BIConflictAck`. Ack first: the snoop came
          before the device took the request, and the host answers from its state before the
          request. `Cmp` first: the snoop is for the copy the request was granted, and the host
          answers once it has the data.

        Where the model simplifies:

        - One host caching agent per socket (the LLC with its cores); a store to a shared line
          drops the copy and reads for ownership (`MemRd`, MetaValue A), there is no data-less
          upgrade; clean evictions are always notified (`MemInv`, MetaValue I); one transaction per
          line per host.
        - Dirty data answering a snoop goes as `MemWr` (MetaValue I, S or A: what the host keeps),
          and the `BIRsp*` waits for that write's `Cmp`; the device never parks a `MemWr`. The
          `Blk` (block) forms of BISnp and BIRsp, `MemSpecRd`, `MemRdFwd`, `Cmp-M` and the
          device's own cache (a Type 2 device's HDM-D bias flows) are not modelled.
        - `Evict` is the snoop filter giving up a stable entry (its capacity, or an FMem eviction);
          `Clean` takes an owned line's current data with `BISnpCur` while the owner keeps it.
        - `BIConflict` travels in M2S RwD, as the CXL 3.0 opcode tables list it (as the Linux
          kernel's CXL PMU driver, `drivers/perf/cxl_pmu.c`, cites them: Table 3-29 M2S Req, 3-35 M2S
          RwD with `MemWr`, `MemWrPtl` and `BIConflict`, 3-38 M2S BIRsp, 3-40 S2M BISnp, 3-43 S2M
          NDR with `BIConflictAck` as opcode 4, 3-46 S2M DRS). It carries no data. The explorer
          delivers M2S Req and RwD messages in any order, so its state counts do not depend on the
          class; the timed link charges `BIConflict` to RwD's credits.

        `konasim verify --home cxl` explores both tables on two hosts sharing one line (three with
        `--agents 3`, which reaches every row); see [verification.md](verification.md).

        ## CXL messages

        | message | class | carries data | MetaValue | SnpType | meaning |
        |---|---|---|---|---|---|

        """
        for m in CXLMessage.allCases {
            out += "| `\(m.specName)` | \(m.messageClass) | \(m.carriesData ? "yes" : "no") | \(m.metaValue) | \(m.snpType) | \(m.doc) |\n"
        }
        out += "\n"
        out += markdown(CXLHostProtocol.table, variant: nil)
        out += markdown(CXLDeviceProtocol.table, variant: nil)
        return out
    }
}
