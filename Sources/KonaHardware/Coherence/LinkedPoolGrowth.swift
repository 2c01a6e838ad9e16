/// Doubles a linked pool's buffers, as `LineQueues` and `MessagePool` keep them: the element
/// slots (the first `used` initialized, moved over) and their links (the first `used`
/// copied), both `capacity` long before and twice that after.
@inline(__always)
func growLinkedPool<Element>(_ elements: inout UnsafeMutablePointer<Element>, links: inout UnsafeMutablePointer<Int32>,
                             used: Int, capacity: inout Int) {
    let bigger = capacity * 2
    let moved = UnsafeMutablePointer<Element>.allocate(capacity: bigger)
    moved.moveInitialize(from: elements, count: used)
    elements.deallocate()
    elements = moved
    let grown = UnsafeMutablePointer<Int32>.allocate(capacity: bigger)
    grown.update(from: links, count: used)
    links.deallocate()
    links = grown
    capacity = bigger
}
