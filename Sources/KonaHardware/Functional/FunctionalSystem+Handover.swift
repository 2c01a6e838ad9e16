import KonaProtocol

// Handing the functional model's warm state to a detailed window (sampling).
extension FunctionalSystem {
    /// Copies everything the model holds into the parts of a freshly built detailed system of
    /// the same hardware: the private caches' tags and line states, the LLCs' tags and
    /// directories, the homes' directories, and for the FPGA its FMem (frames, replacement
    /// state, dirty and access bitmaps) and the eviction engine's record of the lines the
    /// sockets hold. Between accesses no line is in a transaction, so nothing else (waiting
    /// accesses, parked messages, held requests, writeback buffers) has contents.
    ///
    /// The controllers' line maps are shared until either side changes them (copy on
    /// write); tags are copied, O(sets x ways) per cache.
    /// - Precondition: the detailed parts are unused and built from the same parameters.
    public func copyState(into complexes: [PrivateCacheComplex], llcs: [SocketLLC], homes: [CPUHomeAgent],
                          fpga: FPGAHomeAgent?) {
        precondition(complexes.count == self.complexes.count && llcs.count == self.llcs.count
                     && homes.count == self.homes.count - (remote == nil ? 0 : 1) && (fpga == nil) == (remote == nil),
                     "the detailed system is not the functional model's hardware")
        for (detailed, functional) in zip(complexes, self.complexes) {
            detailed.l1.copyContents(of: functional.l1)
            detailed.l2.copyContents(of: functional.l2)
            detailed.controller.contents = functional.controller.contents
        }
        for (detailed, functional) in zip(llcs, self.llcs) {
            detailed.tags.copyContents(of: functional.tags)
            detailed.controller.contents = functional.controller.contents
        }
        for (detailed, functional) in zip(homes, self.homes) {
            detailed.controller.contents = functional.controller.contents
        }
        if let fpga, let remote, let frames = remote.frames {
            fpga.frames.copyContents(of: frames)
            fpga.controller.contents = remote.controller.contents
            for line in remote.controller.lines.sortedKeys {
                _ = fpga.engine.directoryChanged(line, from: .I, to: remote.controller.state(line))
            }
        }
    }
}
