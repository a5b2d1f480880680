/**
 * In-process object and ref access for the GitHub emulator's bare repositories, through
 * isomorphic-git (pure JavaScript over the same files git uses): REST reads and Git Data API
 * writes start no `git` process. Objects are immutable and refs are read from their files on every
 * call, so objects and refs written by `git http-backend` (pushes) or `git update-ref` are seen at once.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { structuredPatch } from 'diff';
import git from 'isomorphic-git';
import { type Identity, type TreeChange } from '../../github/gitPlumbing';
import { safeRepoPath } from '../../security/repoPath';

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

export interface CommitInfo {
  tree: string;
  parents: string[];
  message: string;
  author: { name: string; email: string; date: string };
  committer: { name: string; email: string; date: string };
}

export interface TreeListing {
  path: string;
  mode: string;
  type: string;
  sha: string;
  size?: number;
}

/** One file's change between two commits, as unified-diff hunks. */
export interface FileDiff {
  path: string;
  status: 'added' | 'deleted' | 'modified';
  binary: boolean;
  additions: number;
  deletions: number;
  /** `@@ -a,b +c,d @@` headers and their lines (each starting with ' ', '+', '-' or '\\'). */
  hunks: { header: string; lines: string[] }[];
}

/** A change to a tree: new content, an existing blob, or a deletion (content null). */
export type TreeEdit = TreeChange | { path: string; sha: string; mode?: string };

interface Entry {
  mode: string;
  path: string;
  oid: string;
  type: 'blob' | 'tree' | 'commit';
}

const isNotFound = (e: unknown): boolean =>
  (e as { code?: string }).code === 'NotFoundError' || (e as { code?: string }).code === 'ENOENT';

function isoDate(p: { timestamp: number; timezoneOffset: number }): string {
  return new Date(p.timestamp * 1000).toISOString();
}

/** Reads and writes one bare repository without starting git. */
export class GitStore {
  /** isomorphic-git's pack-index cache, per repository. */
  private readonly cache = {};

  constructor(readonly gitDir: string) {}

  private get base() {
    return { fs, gitdir: this.gitDir };
  }

  /** Commit SHA a ref (e.g. refs/heads/main) points to, or null. */
  async resolveRef(ref: string): Promise<string | null> {
    try {
      const oid = await git.resolveRef({ ...this.base, ref });
      return (await this.objectType(oid)) === 'commit' ? oid : null;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  /** Type of an object, or null when the repository does not have it. */
  async objectType(oid: string): Promise<ObjectType | null> {
    if (!/^[0-9a-f]{40}$/.test(oid)) return null;
    try {
      const o = await git.readObject({ ...this.base, oid, format: 'content', cache: this.cache });
      return o.type as ObjectType;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  /** A commit's tree, parents, message and people, or null when it is not a commit here. */
  async readCommit(oid: string): Promise<CommitInfo | null> {
    if ((await this.objectType(oid)) !== 'commit') return null;
    const { commit } = await git.readCommit({ ...this.base, oid, cache: this.cache });
    return {
      tree: commit.tree,
      parents: commit.parent,
      message: commit.message.replace(/\n$/, ''),
      author: { name: commit.author.name, email: commit.author.email, date: isoDate(commit.author) },
      committer: {
        name: commit.committer.name,
        email: commit.committer.email,
        date: isoDate(commit.committer),
      },
    };
  }

  /** Content of a blob by SHA, or null. */
  async readBlob(oid: string): Promise<Buffer | null> {
    if ((await this.objectType(oid)) !== 'blob') return null;
    const { blob } = await git.readBlob({ ...this.base, oid, cache: this.cache });
    return Buffer.from(blob);
  }

  /** Content of a file at a commit, or null when the path is not a file there. */
  async readFileAt(commit: string, filepath: string): Promise<Buffer | null> {
    let clean: string;
    try {
      clean = safeRepoPath(filepath);
    } catch {
      return null;
    }
    try {
      const { blob } = await git.readBlob({ ...this.base, oid: commit, filepath: clean, cache: this.cache });
      return Buffer.from(blob);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (isNotFound(e) || code === 'ObjectTypeError') return null;
      throw e;
    }
  }

  /** Entries of a tree (recursively: blobs with full paths), with blob sizes, like `ls-tree -l`. */
  async listTree(oid: string, recursive: boolean): Promise<TreeListing[] | null> {
    if ((await this.objectType(oid)) !== 'tree') return null;
    const out: TreeListing[] = [];
    const walk = async (treeOid: string, prefix: string): Promise<void> => {
      const { tree } = await git.readTree({ ...this.base, oid: treeOid, cache: this.cache });
      for (const e of tree) {
        const p = prefix + e.path;
        if (e.type === 'tree' && recursive) {
          await walk(e.oid, `${p}/`);
          continue;
        }
        let size: number | undefined;
        if (e.type === 'blob') size = (await this.readBlob(e.oid))?.length;
        out.push({ path: p, mode: e.mode, type: e.type, sha: e.oid, size });
      }
    };
    await walk(oid, '');
    return out;
  }

  /** The best common ancestor of two commits, or null when they share no history. */
  async mergeBase(a: string, b: string): Promise<string | null> {
    const [oid] = (await git.findMergeBase({ ...this.base, oids: [a, b], cache: this.cache })) as string[];
    return oid ?? null;
  }

  /**
   * Files that differ between the trees of two commits (`git diff base head`), computed in process:
   * unified hunks with `context` lines (default 3). Binary files (a NUL byte) get no hunks.
   */
  async diffCommits(base: string, head: string, context = 3): Promise<FileDiff[]> {
    const files = async (commit: string) => {
      const c = await this.readCommit(commit);
      if (!c) throw new Error(`${commit} is not a commit`);
      const out = new Map<string, string>();
      const walk = async (treeOid: string, prefix: string): Promise<void> => {
        const { tree } = await git.readTree({ ...this.base, oid: treeOid, cache: this.cache });
        for (const e of tree) {
          if (e.type === 'tree') await walk(e.oid, `${prefix}${e.path}/`);
          else if (e.type === 'blob') out.set(`${prefix}${e.path}`, e.oid);
        }
      };
      await walk(c.tree, '');
      return out;
    };
    const [before, after] = await Promise.all([files(base), files(head)]);
    const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
    const out: FileDiff[] = [];
    for (const p of paths) {
      const a = before.get(p);
      const b = after.get(p);
      if (a === b) continue;
      const [oldBuf, newBuf] = await Promise.all([
        a ? this.readBlob(a) : Promise.resolve(null),
        b ? this.readBlob(b) : Promise.resolve(null),
      ]);
      const status = !a ? 'added' : !b ? 'deleted' : 'modified';
      const binary = Boolean(oldBuf?.includes(0) || newBuf?.includes(0));
      const d: FileDiff = { path: p, status, binary, additions: 0, deletions: 0, hunks: [] };
      if (!binary) {
        const patch = structuredPatch(
          p,
          p,
          oldBuf?.toString('utf8') ?? '',
          newBuf?.toString('utf8') ?? '',
          undefined,
          undefined,
          { context },
        );
        for (const h of patch.hunks) {
          d.hunks.push({
            header: `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`,
            lines: h.lines,
          });
          for (const l of h.lines) {
            if (l.startsWith('+')) d.additions += 1;
            else if (l.startsWith('-')) d.deletions += 1;
          }
        }
      }
      out.push(d);
    }
    return out;
  }

  /** Writes a blob and returns its SHA. */
  writeBlob(content: string | Buffer): Promise<string> {
    const blob = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    return git.writeBlob({ ...this.base, blob: new Uint8Array(blob) });
  }

  /** Builds a tree = baseTree (or empty) + edits, writing only the trees that change; returns its SHA. */
  async writeTree(baseTree: string | null, edits: TreeEdit[]): Promise<string> {
    interface Node {
      oid?: string;
      entries?: Map<string, Entry | Node>;
    }
    const root: Node = { oid: baseTree ?? undefined };
    const load = async (n: Node): Promise<Map<string, Entry | Node>> => {
      if (!n.entries) {
        n.entries = new Map();
        if (n.oid) {
          const { tree } = await git.readTree({ ...this.base, oid: n.oid, cache: this.cache });
          for (const e of tree) n.entries.set(e.path, e as Entry);
        }
      }
      return n.entries;
    };
    const isEntry = (x: Entry | Node): x is Entry => 'mode' in x;
    for (const edit of edits) {
      const parts = safeRepoPath(edit.path).split('/');
      const name = parts.pop()!;
      let node = root;
      for (const dir of parts) {
        const entries = await load(node);
        const cur = entries.get(dir);
        let next: Node;
        if (cur && !isEntry(cur)) next = cur;
        else if (cur && cur.type === 'tree') next = { oid: cur.oid };
        else next = {}; // absent, or a file replaced by a directory
        entries.set(dir, next);
        node = next;
      }
      const entries = await load(node);
      if ('sha' in edit) {
        entries.set(name, { mode: edit.mode ?? '100644', path: name, oid: edit.sha, type: 'blob' });
      } else if (edit.content === null) {
        entries.delete(name);
      } else {
        const oid = await this.writeBlob(edit.content);
        entries.set(name, { mode: edit.mode ?? '100644', path: name, oid, type: 'blob' });
      }
    }
    const store = async (n: Node): Promise<string | null> => {
      if (!n.entries) return n.oid ?? null; // untouched subtree
      const tree: Entry[] = [];
      for (const [name, e] of n.entries) {
        if (isEntry(e)) tree.push(e);
        else {
          const oid = await store(e);
          if (oid) tree.push({ mode: '040000', path: name, oid, type: 'tree' });
        }
      }
      if (tree.length === 0 && n !== root) return null; // git has no empty directories
      return git.writeTree({ ...this.base, tree });
    };
    return (await store(root))!;
  }

  /** Writes a commit (dates now unless given) and returns its SHA. */
  writeCommit(
    tree: string,
    parents: string[],
    message: string,
    author: Identity,
    committer: Identity = author,
  ): Promise<string> {
    const person = (p: Identity) => {
      const t = p.date ? Date.parse(p.date) : Date.now();
      return { name: p.name, email: p.email, timestamp: Math.floor(t / 1000), timezoneOffset: 0 };
    };
    return git.writeCommit({
      ...this.base,
      commit: {
        tree,
        parent: parents,
        author: person(author),
        committer: person(committer),
        message: message.endsWith('\n') ? message : `${message}\n`,
      },
    });
  }

  /**
   * A digest of every ref (packed-refs plus loose refs under refs/, and HEAD): equal digests mean
   * equal ref states, so a cached ref advertisement or pack answer is still valid.
   */
  refState(): string {
    const h = createHash('sha256');
    const add = (file: string) => {
      try {
        h.update(file)
          .update('\0')
          .update(fs.readFileSync(path.join(this.gitDir, file)))
          .update('\0');
      } catch {
        /* absent */
      }
    };
    add('HEAD');
    add('packed-refs');
    const walk = (rel: string) => {
      let names: fs.Dirent[];
      try {
        names = fs.readdirSync(path.join(this.gitDir, rel), { withFileTypes: true });
      } catch {
        return;
      }
      for (const d of names.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const p = `${rel}/${d.name}`;
        if (d.isDirectory()) walk(p);
        else if (!d.name.endsWith('.lock')) add(p);
      }
    };
    walk('refs');
    return h.digest('hex');
  }
}
