/** `use:srcObject={stream}`: binds a MediaStream to a <video> or <audio> element. */
export function srcObject(node: HTMLMediaElement, stream: MediaStream | null) {
	node.srcObject = stream;
	return {
		update(next: MediaStream | null) {
			if (node.srcObject !== next) node.srcObject = next;
		},
		destroy() {
			node.srcObject = null;
		}
	};
}
