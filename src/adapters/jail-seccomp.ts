// The seccomp filter of the jail (a classic BPF program, loaded by bubblewrap's `--seccomp FD`).
//
// The jail's network namespace already cuts every IP connection and every abstract Unix socket. What it cannot cut is
// a Unix socket bound to a PATH (the Docker socket, an agent's socket in the runner's HOME, a socket the action left
// in RUNNER_TEMP): a read-only mount still lets a process connect(2) to a socket file, and the namespace does not
// scope paths. BPF cannot read the address a connect(2) points to, so the filter refuses what comes before it:
// socket(AF_UNIX, …) fails with EACCES. socketpair(2) stays allowed (Node, libuv and most runtimes use it for child
// process pipes and IPC); a pair is connected only to itself, never to a socket outside.
//
// Also refused, because they would get around the one rule:
// - io_uring (io_uring_setup/enter/register): IORING_OP_SOCKET and IORING_OP_CONNECT make sockets without socket(2);
//   EPERM, so runtimes fall back to ordinary system calls;
// - every system call of another ABI than the native one (i386 `socketcall` on x86-64, the x32 ABI): the process is
//   killed. Test commands are native programs.

/** The architectures the jail supports, with their audit arch and system call numbers. */
const ARCHES = {
  x64: { audit: 0xc000003e, socket: 41, ioUring: [425, 426, 427], foreignNrFrom: 0x40000000 },
  arm64: { audit: 0xc00000b7, socket: 198, ioUring: [425, 426, 427], foreignNrFrom: null }
} as const

export type JailArch = keyof typeof ARCHES

export function isJailArch(arch: string): arch is JailArch {
  return arch in ARCHES
}

const AF_UNIX = 1
const EACCES = 13
const EPERM = 1

// BPF opcodes (linux/filter.h, linux/seccomp.h)
const LD_W_ABS = 0x20
const JEQ_K = 0x15
const JGE_K = 0x35
const RET_K = 0x06
const RET_ALLOW = 0x7fff0000
const RET_ERRNO = 0x00050000
const RET_KILL_PROCESS = 0x80000000

// struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]
const OFFSET_NR = 0
const OFFSET_ARCH = 4
/** the low 32 bits of args[0] (little-endian: both supported architectures are) */
const OFFSET_ARG0_LOW = 16

interface Instruction {
  code: number
  jt: number
  jf: number
  k: number
}

/** The filter for `arch`, as the bytes of `struct sock_filter[]` that bubblewrap reads from its --seccomp fd. */
export function jailSeccompProgram(arch: JailArch): Buffer {
  const a = ARCHES[arch]
  const program: Instruction[] = []
  const emit = (code: number, k: number, jt = 0, jf = 0) => program.push({ code, jt, jf, k })
  // Labels are resolved at the end: jumps are relative to the next instruction.
  const jumps: { at: number; jt?: string; jf?: string }[] = []
  const labels = new Map<string, number>()
  const jump = (code: number, k: number, jt?: string, jf?: string) => {
    jumps.push({ at: program.length, jt, jf })
    emit(code, k)
  }

  emit(LD_W_ABS, OFFSET_ARCH)
  jump(JEQ_K, a.audit, undefined, 'kill')
  emit(LD_W_ABS, OFFSET_NR)
  if (a.foreignNrFrom !== null) jump(JGE_K, a.foreignNrFrom, 'kill')
  for (const nr of a.ioUring) jump(JEQ_K, nr, 'eperm')
  jump(JEQ_K, a.socket, undefined, 'allow')
  emit(LD_W_ABS, OFFSET_ARG0_LOW)
  jump(JEQ_K, AF_UNIX, undefined, 'allow')
  emit(RET_K, RET_ERRNO | EACCES)
  labels.set('eperm', program.length)
  emit(RET_K, RET_ERRNO | EPERM)
  labels.set('allow', program.length)
  emit(RET_K, RET_ALLOW)
  labels.set('kill', program.length)
  emit(RET_K, RET_KILL_PROCESS)

  for (const { at, jt, jf } of jumps) {
    const target = (label: string | undefined) => (label === undefined ? 0 : labels.get(label)! - at - 1)
    program[at]!.jt = target(jt)
    program[at]!.jf = target(jf)
  }
  const bytes = Buffer.alloc(program.length * 8)
  program.forEach((ins, i) => {
    bytes.writeUInt16LE(ins.code, i * 8)
    bytes.writeUInt8(ins.jt, i * 8 + 2)
    bytes.writeUInt8(ins.jf, i * 8 + 3)
    bytes.writeUInt32LE(ins.k >>> 0, i * 8 + 4)
  })
  return bytes
}
