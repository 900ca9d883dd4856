/**
 * Union-find over provisional label ids 1..size (path halving, union by smaller root so that
 * results do not depend on the order of unions), growing by doubling as tiles add labels, and the
 * final relabelling of a label image to roots numbered 1..count by first appearance.
 */
export class UnionFind {
  private parent = new Int32Array(1024);
  private size = 0;

  /** Adds `count` singleton ids and returns the offset: the new ids are offset+1 .. offset+count. */
  add(count: number): number {
    const offset = this.size;
    const need = offset + count + 1;
    if (need > this.parent.length) {
      let cap = this.parent.length;
      while (cap < need) cap *= 2;
      const grown = new Int32Array(cap);
      grown.set(this.parent.subarray(0, offset + 1));
      this.parent = grown;
    }
    for (let k = offset + 1; k <= offset + count; k++) this.parent[k] = k;
    this.size = offset + count;
    return offset;
  }

  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]!]!;
      x = p[x]!;
    }
    return x;
  }

  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    if (ra < rb) this.parent[rb] = ra;
    else this.parent[ra] = rb;
  }

  /** Replaces every nonzero label by its root, numbered 1..count in raster order; returns count. */
  relabel(labels: Int32Array): number {
    const final = new Int32Array(this.size + 1);
    let count = 0;
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i]!;
      if (l === 0) continue;
      const root = this.find(l);
      if (final[root] === 0) final[root] = ++count;
      labels[i] = final[root]!;
    }
    return count;
  }
}
