//! Loading a file in parts at once.
//!
//! The file is cut into up to [`PARTS`] parts where objects start. The
//! jobs (hash the whole file, then parse and model each part) are taken in
//! that order, each reading its own range a [`READ_CHUNK`] at a time, by the
//! calling thread and one worker thread for each other CPU (at least one
//! worker; at most [`MAX_WORKERS`] threads in all), each taking the next job
//! when it is done with one. The first worker starts before the calling
//! thread finds where to cut, and takes the hash (which needs no plan); the
//! calling thread waits until it has, then makes the plan and takes parts.
//!
//! That wait is what makes two threads enough on two CPUs. A new thread is
//! often put on the CPU of the thread that made it (in 24 of 40 runs on the
//! 2-vCPU VM measured, `sched_wakeup_new`), where it waits for that thread
//! to sleep while the other CPU idles. The calling thread sleeps until the
//! worker runs and takes the hash, and is then woken, usually onto the idle
//! CPU (6 of the 9 such wake-ups traced). Before, two workers started and
//! the calling thread only waited for their parts, three threads for two
//! CPUs, which also cost a thread's start and more context switches: runs
//! took 7% longer (interleaved rounds on NSS 3.123: 3.86 -> 3.59 ms, CPU
//! time 5.39 -> 4.98 ms, 2,000 rounds; 4.19 -> 3.92 ms, 1,500 rounds in a
//! busier minute). When the calling thread took jobs beside one worker
//! without that wait, runs were much slower (5.04 against 4.07 ms).
//!
//! The calling thread inserts the parts' objects in order
//! ([`StoreBuilder::insert`]), each part as soon as it and those before it
//! are done (the workers send what they finish), so duplicates, conflicts
//! and warnings are those of one pass; while the part it needs next is not
//! done, it parses one no thread has taken yet. Every part but the
//! first is parsed from the state the one before must end in (past
//! `BEGINDATA`, the first line's line ending), its lines counted from its
//! start; its objects and warnings are moved on by the lines before it when
//! they are inserted. When a part does not start in that state, or meets an
//! error, the rest of the file is parsed again from the real state: results
//! and error messages are exactly those of one pass (the tests in `model`
//! compare).

use std::fs::File;
use std::io::Read;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};

use sha2::{Digest, Sha256};

use super::{
    Ctx, Modelled, Part, READ_CHUNK, Store, StoreBuilder, Window, grow_to_read_buffer, stopped,
};
use crate::error::{Error, Result};
use crate::parse::{Parser, RawObject};

/// Files smaller than this are loaded in one pass ([`super::pieces::load`]).
const MIN_SPLIT: u64 = 256 * 1024;

/// How many parts a file is cut into: enough for the jobs to even out
/// between threads that start late, and for most of the inserting to be done
/// while the last parts are parsed; few enough that each is worth a job (NSS
/// 3.123 gives parts of about 110 KB). Measured, 300 interleaved runs: 4
/// parts 4.32 ms, 8 parts 4.14 ms, 16 parts 4.17 ms a run (when two workers
/// took every part). Since the calling thread parses parts too, the last
/// part's wait is shorter with smaller parts: 8 against 12 parts, 2,000
/// rounds each right after a sha256sum run, 3.539 against 3.523 ms and
/// 3.193 against 3.170 ms (within the noise, twice in favour of 12).
pub(super) const PARTS: u64 = 12;

/// How many objects a part of `bytes` of certdata.txt holds at most, about:
/// NSS writes one every 4 KB (NSS 3.123: 335 in 1,338,403 bytes), so one a
/// 2 KB leaves room. A new part's list then never grows: growing it by
/// doubling copied it into new memory each time (its elements are 464 bytes),
/// 6-8 more page faults a run. Room it does not use is never touched.
fn objects_in(bytes: u64) -> usize {
    usize::try_from(bytes / 2048).map_or(0, |n| n.saturating_add(16))
}

/// The most threads that take jobs, the calling thread among them.
const MAX_WORKERS: usize = 4;

/// How much of its heap each worker has the allocator make ready at once
/// ([`warm_up_heap`]).
const WARM: usize = 1 << 20;

/// Allocates and frees `bytes` without touching them, so the allocator
/// makes that much heap ready in one step. glibc grows a thread's heap only
/// by what each allocation needs, one `mprotect` call a page: on NSS 3.123
/// that was 80 of the run's 91 calls (`strace -c`), each taking the address
/// space's lock that the other worker's page faults wait on. After this a
/// worker's heap has `bytes` ready and keeps it (freed space under glibc's
/// trim threshold stays). With another allocator it is one allocation that
/// is freed at once. Measured: 4.29 -> 4.16 ms median a run, 200 interleaved
/// runs.
fn warm_up_heap(bytes: usize) {
    std::hint::black_box(Vec::<u8>::with_capacity(bytes));
}

/// Reads `reader` to its end a [`READ_CHUNK`] at a time into `buf` (a
/// worker's buffer, kept for its next job), feeding `parser` whole objects
/// (cut where a line starts with `CKA_CLASS`). `after` is the text that
/// follows the reader's end in the input, if any (quoted by an error at the
/// very end).
fn stream(
    reader: &mut impl Read,
    parser: &mut Parser<'_>,
    after: Option<&[u8]>,
    source_name: &str,
    buf: &mut Vec<u8>,
    emit: &mut dyn FnMut(RawObject<'_>) -> Result<()>,
) -> Result<()> {
    let mut window = Window::with_buffer(std::mem::take(buf));
    let result = stream_through(&mut window, reader, parser, after, source_name, emit);
    *buf = window.into_buffer();
    result
}

fn stream_through(
    window: &mut Window,
    reader: &mut impl Read,
    parser: &mut Parser<'_>,
    after: Option<&[u8]>,
    source_name: &str,
    emit: &mut dyn FnMut(RawObject<'_>) -> Result<()>,
) -> Result<()> {
    loop {
        let n = window
            .read(reader)
            .map_err(|e| Error::io("reading", source_name, e))?;
        let text = window.text();
        if n == 0 {
            return parser.feed(text, after, emit);
        }
        if let Some(cut) = window.cut() {
            let (whole, rest) = text.split_at(cut);
            parser.feed(whole, Some(rest), emit)?;
            window.consume(cut);
        }
    }
}

/// Where to cut a file into parts.
struct Plan {
    /// Where each part starts (the first at 0, the others at a `CKA_CLASS`
    /// line), in order, and the end of the file last.
    bounds: Vec<u64>,
    /// Whether the first line ends in CRLF.
    crlf: bool,
    /// The first line of each part but the first (quoted by an error at
    /// the end of the part before).
    next_lines: Vec<Vec<u8>>,
}

/// How far past a cut point [`plan`] first looks for an object's start (then
/// a [`READ_CHUNK`]): objects in certdata.txt start a few KB apart, and the
/// plan is made while the worker hashes and the parts wait for it.
const PLAN_WINDOW: usize = 8 * 1024;

/// The plan: `None` when no line ends in the first [`READ_CHUNK`] or no
/// object starts within a [`READ_CHUNK`] after any of the cut points.
fn plan(file: &File, size: u64) -> std::io::Result<Option<Plan>> {
    let mut window = Vec::with_capacity(READ_CHUNK);
    let first_line_crlf = look_ahead(file, 0, &mut window, |text, _| {
        let eol = text.iter().position(|&b| b == b'\n')?;
        Some(eol > 0 && text.get(eol - 1) == Some(&b'\r'))
    })?;
    let Some(crlf) = first_line_crlf else {
        return Ok(None);
    };
    let mut bounds = vec![0];
    let mut next_lines = Vec::new();
    for k in 1..PARTS {
        let from = size / PARTS * k;
        if bounds.last().is_some_and(|&b| from < b) {
            continue;
        }
        if let Some((start, line)) = object_start(file, from, &mut window)? {
            bounds.push(start);
            next_lines.push(line);
        }
    }
    if next_lines.is_empty() {
        return Ok(None);
    }
    bounds.push(size);
    Ok(Some(Plan {
        bounds,
        crlf,
        next_lines,
    }))
}

/// Where the first line that starts an object (`CKA_CLASS` and a blank)
/// after offset `from` begins, and that line (without its line feed):
/// looked for in the [`PLAN_WINDOW`] after `from`, then in the
/// [`READ_CHUNK`]. The line must end in the window (or the file end there),
/// so that it is quoted whole.
fn object_start(
    file: &File,
    from: u64,
    window: &mut Vec<u8>,
) -> std::io::Result<Option<(u64, Vec<u8>)>> {
    look_ahead(file, from, window, |text, at_end| {
        // A byte at a time, not with memchr: the plan is made on the calling
        // thread while the parts wait for it, and memchr's first use asks
        // the CPU what it has (std_detect: about eight CPUID instructions,
        // 35 µs on the VM measured), which is then done later, while the
        // worker hashes. The next object starts a few KB on.
        let mut lines = text.split(|&b| b == b'\n');
        let mut start = lines.next()?.len() + 1;
        for line in lines {
            let at = start;
            start += line.len() + 1;
            let ends = start <= text.len() || at_end;
            if line.starts_with(b"CKA_CLASS") && matches!(line.get(9), Some(b' ' | b'\t')) && ends {
                return Some((from + at as u64, line.to_vec()));
            }
        }
        None
    })
}

/// What `find` finds in the [`PLAN_WINDOW`] after offset `from`, or, when
/// it finds nothing there and the file goes on, in the [`READ_CHUNK`] after
/// it. `find` is given the bytes read (into `window`) and whether the file
/// ends with them.
fn look_ahead<T>(
    file: &File,
    from: u64,
    window: &mut Vec<u8>,
    find: impl Fn(&[u8], bool) -> Option<T>,
) -> std::io::Result<Option<T>> {
    for len in [PLAN_WINDOW, READ_CHUNK] {
        window.clear();
        At::new(file, from, from + len as u64).read_to_end(window)?;
        let at_end = window.len() < len;
        if let Some(found) = find(window, at_end) {
            return Ok(Some(found));
        }
        if at_end {
            break;
        }
    }
    Ok(None)
}

/// What one part came to, and the parser's state at its end.
struct Parsed<'n> {
    part: Part,
    parser: Parser<'n>,
}

/// What a job came to.
enum Done<'n> {
    Hash(Result<[u8; 32]>),
    Part(usize, Parsed<'n>),
}

/// Parses and models part `k` of `plan`, reading through `buf`, into an
/// object list from [`Inbox::spare`].
fn parse_part<'n>(load: Load<'_, 'n>, plan: &Plan, k: usize, buf: &mut Vec<u8>) -> Parsed<'n> {
    let (file, ctx) = (load.file, load.ctx);
    let (start, end) = match (plan.bounds.get(k), plan.bounds.get(k + 1)) {
        (Some(&s), Some(&e)) => (s, e),
        _ => (0, 0),
    };
    let objects = load.inbox.spare(end - start);
    let mut parser = if k == 0 {
        Parser::new(ctx.source_name)
    } else {
        Parser::resume(ctx.source_name, 0, plan.crlf)
    };
    let after = plan.next_lines.get(k).map(Vec::as_slice);
    let part = Part::model(ctx, objects, |emit| {
        let reader = &mut At::new(file, start, end);
        stream(reader, &mut parser, after, ctx.source_name, buf, emit)
    });
    Parsed { part, parser }
}

/// The bytes `start..end` of one open file, read with positional reads:
/// every part, the hash and the plan read the file opened once, without a
/// shared cursor. Opening the path for each (as before) could mix two files
/// if it was replaced during the run (say, by a `fetch` renaming a new one
/// into place), while the header named the hash of one of them.
struct At<'f> {
    file: &'f File,
    pos: u64,
    end: u64,
}

impl<'f> At<'f> {
    fn new(file: &'f File, start: u64, end: u64) -> At<'f> {
        At {
            file,
            pos: start,
            end,
        }
    }
}

impl Read for At<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = usize::try_from(self.end.saturating_sub(self.pos)).unwrap_or(usize::MAX);
        let Some(buf) = buf.get_mut(..left.min(buf.len())) else {
            return Ok(0);
        };
        if buf.is_empty() {
            return Ok(0);
        }
        let n = read_at(self.file, buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], pos: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, pos)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], pos: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, pos)
}

/// Elsewhere files are read in one pass ([`load_file`]) and this is not called.
#[cfg(not(any(unix, windows)))]
fn read_at(_: &File, _: &mut [u8], _: u64) -> std::io::Result<usize> {
    Err(std::io::Error::other(
        "positional reads are not available here",
    ))
}

/// A value one thread sets once and others wait for.
struct Slot<T> {
    value: OnceLock<T>,
    /// Held while the value is set and while a waiter checks for it, so
    /// that no wake-up falls between a waiter's check and its wait.
    lock: Mutex<()>,
    ready: Condvar,
}

impl<T> Slot<T> {
    fn new() -> Self {
        Slot {
            value: OnceLock::new(),
            lock: Mutex::new(()),
            ready: Condvar::new(),
        }
    }

    fn set(&self, value: T) {
        let guard = self.lock.lock();
        let _ = self.value.set(value);
        drop(guard);
        self.ready.notify_all();
    }

    /// The value, once set (`None` if a thread panicked while holding the lock).
    fn wait(&self) -> Option<&T> {
        if let Some(v) = self.value.get() {
            return Some(v);
        }
        let mut guard = self.lock.lock().ok()?;
        while self.value.get().is_none() {
            guard = self.ready.wait(guard).ok()?;
        }
        self.value.get()
    }
}

/// Where the workers leave what they finish, until the calling thread
/// takes it, in the order it needs it.
///
/// A worker wakes the calling thread only for what it is waiting for, and
/// only after unlocking. On two CPUs the calling thread shares one with a
/// worker, and a woken thread runs at once. With `std::sync::mpsc`, whose
/// sender wakes the receiver while holding a lock the receiver then takes,
/// the calling thread was woken for every result, found that lock held by
/// the worker it had just displaced, slept, and was woken a second time
/// when the worker let go (`perf`).
struct Inbox<'n> {
    letters: Mutex<Letters<'n>>,
    ready: Condvar,
    /// Bit `k` is set once part `k` has been sent (parts 0 to 63), for
    /// [`Inbox::part`] to watch without the lock.
    sent: AtomicU64,
    /// Set once no worker may send any more.
    gone: AtomicBool,
}

/// How long the calling thread watches for the part it needs next, once it
/// has no part of its own to parse, before it sleeps: about two parts'
/// parsing time when NSS 3.123 was cut into 8 (0.2-0.4 ms each). See
/// [`Inbox::part`].
const WATCH: std::time::Duration = std::time::Duration::from_micros(500);

/// Part `k`'s bit in [`Inbox::sent`] (`None` past part 63, which is then
/// not watched for).
fn sent_bit(k: usize) -> Option<u64> {
    u32::try_from(k).ok().and_then(|k| 1u64.checked_shl(k))
}

/// What an [`Inbox`] holds.
struct Letters<'n> {
    /// Each part, by index, from when it is sent until it is taken.
    parts: Vec<Option<Parsed<'n>>>,
    hash: Option<Result<[u8; 32]>>,
    /// Workers that may still send.
    senders: usize,
    /// What the calling thread sleeps for: a part's index or [`HASH`].
    wanted: Option<usize>,
    /// Object lists the calling thread has emptied, for the workers' next
    /// parts. Each keeps its room: a part's list is made once, not grown
    /// from nothing (five times for NSS 3.123's parts of about 44 objects,
    /// in fresh pages), and the lists alive at once stay few (freed after
    /// the load, not while a worker allocates from the same heap).
    spares: Vec<Vec<Modelled>>,
    /// Whether a worker has taken the hash's job.
    hashing: bool,
}

/// What [`Letters::wanted`] says while the calling thread waits for the hash.
const HASH: usize = usize::MAX;

/// What [`Letters::wanted`] says while the calling thread waits for a worker
/// to take the hash's job ([`Inbox::wait_hashing`]).
const HASHING: usize = usize::MAX - 1;

impl<'n> Letters<'n> {
    /// Part `k`, taken, if it has been sent.
    fn take_part(&mut self, k: usize) -> Option<Parsed<'n>> {
        self.parts.get_mut(k).and_then(Option::take)
    }
}

impl<'n> Inbox<'n> {
    fn new() -> Self {
        Inbox {
            letters: Mutex::new(Letters {
                parts: Vec::new(),
                hash: None,
                senders: 0,
                wanted: None,
                spares: Vec::new(),
                hashing: false,
            }),
            ready: Condvar::new(),
            sent: AtomicU64::new(0),
            gone: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Letters<'n>> {
        // Nothing panics while holding the lock; a poisoned one is as good.
        self.letters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Room for `n` parts: called before the plan is published, so that
    /// no part comes before its place.
    fn expect_parts(&self, n: usize) {
        self.lock().parts.resize_with(n, || None);
    }

    /// One more worker will send (called before it starts).
    fn enter(&self) {
        self.lock().senders += 1;
    }

    /// A worker sends nothing more.
    fn leave(&self) {
        let mut letters = self.lock();
        letters.senders = letters.senders.saturating_sub(1);
        if letters.senders == 0 {
            self.gone.store(true, Ordering::Release);
        }
        let waiting = letters.wanted.is_some();
        drop(letters);
        if waiting {
            self.ready.notify_one();
        }
    }

    /// A worker has taken the hash's job.
    fn hashing(&self) {
        let mut letters = self.lock();
        letters.hashing = true;
        let wake = letters.wanted == Some(HASHING);
        drop(letters);
        if wake {
            self.ready.notify_one();
        }
    }

    /// Until a worker has taken the hash's job, or no worker is left.
    fn wait_hashing(&self) {
        self.take(HASHING, |letters| letters.hashing.then_some(()));
    }

    /// Part `k` if it is done (it is then taken).
    fn part_now(&self, k: usize) -> Option<Parsed<'n>> {
        Letters::take_part(&mut self.lock(), k)
    }

    fn send(&self, done: Done<'n>) {
        let mut letters = self.lock();
        let index = match done {
            Done::Hash(h) => {
                letters.hash = Some(h);
                HASH
            }
            Done::Part(k, p) => {
                if let Some(slot) = letters.parts.get_mut(k) {
                    *slot = Some(p);
                }
                if let Some(bit) = sent_bit(k) {
                    self.sent.fetch_or(bit, Ordering::Release);
                }
                k
            }
        };
        let wake = letters.wanted == Some(index);
        drop(letters);
        if wake {
            self.ready.notify_one();
        }
    }

    /// An emptied object list (see [`Letters::spares`]), or a new one with
    /// room for the objects of `bytes` of input.
    fn spare(&self, bytes: u64) -> Vec<Modelled> {
        self.lock()
            .spares
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(objects_in(bytes)))
    }

    /// Hands back an object list the calling thread has emptied.
    fn give_back(&self, objects: Vec<Modelled>) {
        self.lock().spares.push(objects);
    }

    /// Part `k`, once a worker has sent it (`None`: none will).
    ///
    /// The calling thread asks when it has no part left to parse, so its
    /// CPU would idle; it first watches for the part for up to [`WATCH`],
    /// yielding its CPU between looks (so that a worker put on the same CPU
    /// goes on), and sleeps only after that. Woken from another CPU, a
    /// sleeping thread ran 30-60 us later on the VM measured (two threads
    /// passing a message back and forth through a pipe: 46 us a round
    /// trip), while the part it waited for was often done within a part's
    /// parsing time. Measured on NSS 3.123, each run right after a
    /// sha256sum run: 3.796 -> 3.756 ms (2,000 rounds), voluntary context
    /// switches 2.8 -> 2.0 a run; a first version that spun without
    /// yielding, 3.530 -> 3.479 ms (2,000 rounds) and 3.877 -> 3.846 ms
    /// (1,500 rounds).
    fn part(&self, k: usize) -> Option<Parsed<'n>> {
        if let Some(bit) = sent_bit(k) {
            let start = std::time::Instant::now();
            while self.sent.load(Ordering::Acquire) & bit == 0
                && !self.gone.load(Ordering::Acquire)
                && start.elapsed() < WATCH
            {
                std::thread::yield_now();
            }
        }
        self.take(k, |letters| Letters::take_part(letters, k))
    }

    /// The file's hash, once the worker that took that job has sent it.
    fn hash(&self) -> Option<Result<[u8; 32]>> {
        self.take(HASH, |letters| letters.hash.take())
    }

    fn take<T>(&self, wanted: usize, get: impl Fn(&mut Letters<'n>) -> Option<T>) -> Option<T> {
        let mut letters = self.lock();
        loop {
            if let Some(value) = get(&mut letters) {
                letters.wanted = None;
                return Some(value);
            }
            if letters.senders == 0 {
                return None;
            }
            letters.wanted = Some(wanted);
            letters = self
                .ready
                .wait(letters)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }
}

/// The parsers the calling thread is done with during the load but must not
/// free until the workers have stopped: each one's buffer is a block in the
/// heap of the worker that made it. Freeing one takes that heap's lock, and
/// the calling thread, woken onto the CPU of a worker busy allocating, often
/// found the lock held and slept until the worker let go (`perf`). Emptied
/// object lists go back to the workers instead ([`Inbox::give_back`]).
type Spent<'n> = Vec<Parser<'n>>;

/// Takes jobs until there are none left, sending what each came to: job 0
/// hashes the file, job `k` parses part `k - 1` once the plan is there (no
/// plan: no parts).
fn take_jobs(load: Load<'_, '_>, plan: &Slot<Option<Plan>>) {
    // A new thread is often put on the CPU of the thread that made it, and
    // runs first. Without this, the worker went on to hash there for a
    // millisecond while the calling thread waited for that CPU, the other
    // idle (4.32 against 3.26 ms a run, 800 interleaved rounds). Yielding
    // lets the calling thread go on until it waits for the hash to be taken
    // ([`Inbox::wait_hashing`]), and it is then woken onto the idle CPU.
    std::thread::yield_now();
    let mut job = load.next.fetch_add(1, Ordering::Relaxed);
    if job == 0 {
        // The calling thread sleeps until this: it is told before the
        // heap's warm-up, not after.
        load.inbox.hashing();
    }
    warm_up_heap(WARM);
    // Every job reads through it.
    let mut buf = Vec::new();
    loop {
        #[cfg(test)]
        if tests::panics_at(load.ctx.source_name).is_some_and(|n| job >= n) {
            panic!("a worker's bug, made by the test");
        }
        let result = if job == 0 {
            Done::Hash(hash(load.file, load.size, load.ctx.source_name, &mut buf))
        } else {
            match plan.wait() {
                Some(Some(plan)) if job < plan.bounds.len() => {
                    Done::Part(job - 1, parse_part(load, plan, job - 1, &mut buf))
                }
                _ => return,
            }
        };
        // After an error the calling thread no longer reads these.
        load.inbox.send(result);
        job = load.next.fetch_add(1, Ordering::Relaxed);
    }
}

/// What the threads of one load share.
#[derive(Clone, Copy)]
struct Load<'a, 'n> {
    file: &'a File,
    size: u64,
    /// The next job to take.
    next: &'a AtomicUsize,
    ctx: Ctx<'n>,
    inbox: &'a Inbox<'n>,
}

/// Part `k` of `plan` once it is done, the calling thread meanwhile parsing
/// the parts no thread has taken yet, reading through `buf` (`None`: it
/// will not come).
fn part_or_job<'n>(
    load: Load<'_, 'n>,
    plan: &Plan,
    k: usize,
    buf: &mut Vec<u8>,
) -> Option<Parsed<'n>> {
    loop {
        if let Some(part) = load.inbox.part_now(k) {
            return Some(part);
        }
        let job = load.next.fetch_add(1, Ordering::Relaxed);
        // Job 0, the hash, was taken before the plan was made.
        if job == 0 || job >= plan.bounds.len() {
            return load.inbox.part(k);
        }
        let parsed = parse_part(load, plan, job - 1, buf);
        load.inbox.send(Done::Part(job - 1, parsed));
    }
}

/// See the module documentation. `max` bounds the size.
pub(super) fn load_file(path: &Path, source_name: &str, max: u64) -> Result<Store> {
    let io = |e| Error::io("reading", source_name, e);
    let file = File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size > max {
        return Err(Error::TooLarge {
            source_name: source_name.to_owned(),
            size,
            limit: max,
        });
    }
    if size < MIN_SPLIT || cfg!(not(any(unix, windows))) {
        return super::pieces::load(file, source_name, max);
    }
    let mut builder = StoreBuilder::new(source_name);
    let next = AtomicUsize::new(0);
    let slot = Slot::new();
    let inbox = Inbox::new();
    let mut spent = Spent::new();
    let load = Load {
        file: &file,
        size,
        next: &next,
        ctx: builder.ctx,
        inbox: &inbox,
    };
    // Freeing a block larger than the worker's makes glibc serve blocks up
    // to that size from the heap from then on (its threshold for mmap
    // follows the largest mmapped block freed), so each worker's warm-up
    // block comes from its own heap.
    warm_up_heap(WARM * 2);
    // One worker starts before the plan is made and hashes meanwhile; the
    // calling thread takes parts beside it (see the module documentation).
    // More join them where there are more CPUs.
    let slot = &slot;
    let sha = std::thread::scope(|scope| {
        // The workers are not joined: the scope waits only until each has
        // returned from its jobs, not for the system to end the thread (each
        // unmaps its signal stack and releases its stack as it ends, which
        // `join` waited for). Measured on NSS 3.123, 1,000 and 1,500 rounds
        // each right after a sha256sum run: 2.85 -> 2.77 ms and 2.79 -> 2.71
        // ms. A panic, which `join` reported, is caught instead: the worker's
        // results stop; the calling thread parses again the rest of the file
        // from a part that does not come, and fails with `stopped` when the
        // hash does not come.
        let spawn = || {
            load.inbox.enter();
            scope.spawn(move || {
                let jobs = AssertUnwindSafe(|| take_jobs(load, slot));
                let _ = std::panic::catch_unwind(jobs);
                load.inbox.leave();
            })
        };
        spawn();
        load.inbox.wait_hashing();
        let (planned, failed) = match plan(load.file, size) {
            Ok(p) => (p, None),
            Err(e) => (None, Some(e)),
        };
        let split = planned.is_some();
        if let Some(plan) = &planned {
            load.inbox.expect_parts(plan.bounds.len().saturating_sub(1));
        }
        slot.set(planned);
        if split {
            let more = cpus().clamp(2, MAX_WORKERS) - 2;
            for _ in 0..more {
                spawn();
            }
        }
        match (failed, slot.value.get()) {
            (Some(e), _) => Err(io(e)),
            (None, Some(Some(plan))) => {
                let merged = merge(load, plan, &mut builder, &mut spent);
                // Every part is in, or no more are needed (an error, or the
                // rest parsed again): no worker starts another. The hash's
                // job was taken before the first part's.
                load.next.store(usize::MAX / 2, Ordering::Relaxed);
                merged.map(|()| Some(load.inbox.hash().ok_or_else(|| stopped(source_name))))
            }
            _ => Ok(None),
        }
    })?;
    let Some(sha) = sha else {
        // No place to cut: one pass (a rare file; its hash is computed again).
        return super::pieces::load(At::new(&file, 0, size), source_name, max);
    };
    let mut store = builder.finish()?;
    store.input_sha256 = sha??;
    Ok(store)
}

/// How many CPUs this process may run on: on Linux its affinity mask, in
/// one system call (`sched_getaffinity`, by rustix); elsewhere
/// `available_parallelism`. The calling thread asks while the first worker
/// hashes and the parts wait for the plan. `available_parallelism`, which
/// also reads the cgroup's CPU quota, took 50-110 us there, and reading
/// `/sys/devices/system/cpu/online` (as before) 16-30 us (first calls in a
/// new process, measured). A CPU quota is not seen: then up to
/// [`MAX_WORKERS`] threads share less CPU time, which costs little more
/// than their start.
fn cpus() -> usize {
    #[cfg(target_os = "linux")]
    if let Some(n) = rustix::thread::sched_getaffinity(None)
        .ok()
        .and_then(|set| usize::try_from(set.count()).ok())
        .filter(|&n| n > 0)
    {
        return n;
    }
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Inserts the parts' objects in order as they come in, moving each part's
/// lines on by the lines before it; from the first part that does not start
/// in the state the one before ended in, or that met an error, parses the
/// rest of the file again from that real state. Ends the input.
fn merge<'n>(
    load: Load<'_, 'n>,
    plan: &Plan,
    builder: &mut StoreBuilder<'_>,
    spent: &mut Spent<'n>,
) -> Result<()> {
    let (file, size, inbox) = (load.file, load.size, load.inbox);
    let source_name = builder.ctx.source_name;
    // The calling thread's jobs read through it.
    let mut buf = Vec::new();
    let Some(first) = part_or_job(load, plan, 0, &mut buf) else {
        return Err(stopped(source_name));
    };
    let parser = first.parser;
    first.part.insert_keeping(builder, |v| inbox.give_back(v))?;
    // The later parts were parsed as if the first ended past BEGINDATA,
    // with the plan's line ending.
    let consistent = parser.in_data() && parser.crlf() == Some(plan.crlf);
    // Lines before the part being inserted.
    let mut lines = parser.line_no();
    for k in 0..plan.bounds.len().saturating_sub(2) {
        match part_or_job(load, plan, k + 1, &mut buf) {
            Some(Parsed {
                mut part,
                parser: end,
            }) if consistent && part.error.is_none() => {
                part.shift_lines(lines);
                part.insert_keeping(builder, |v| inbox.give_back(v))?;
                lines += end.line_no();
                spent.push(end);
            }
            _ => {
                let start = plan.bounds.get(k + 1).copied().unwrap_or(size);
                let mut rest = parser.fork(lines);
                let reader = &mut At::new(file, start, size);
                stream(reader, &mut rest, None, source_name, &mut buf, &mut |obj| {
                    builder.add(obj)
                })?;
                // The header may have ended only in the rest.
                return rest.finish().map(drop);
            }
        }
    }
    parser.finish().map(drop)
}

/// Hashes the first `size` bytes of `file`, a read buffer (32 KiB) at a
/// time (into `buf`, the worker's buffer, which the parts it parses next
/// read through). Measured on NSS 3.123, 400 interleaved runs of the release
/// build: 128 KiB reads 4.14 ms a run, 64 KiB 3.64 ms, 32 KiB 3.65 ms (in
/// another hour, 128 KiB 3.79 against 64 KiB 3.35); earlier, 16 KiB reads
/// were slower than 128 KiB ones (4.98 against 4.70 ms). Since the buffer
/// holds 32 KiB (see `READ_CHUNK`), the hash reads that much at a time.
fn hash(file: &File, size: u64, source_name: &str, buf: &mut Vec<u8>) -> Result<[u8; 32]> {
    let mut hasher = Sha256::new();
    let mut f = At::new(file, 0, size);
    grow_to_read_buffer(buf);
    let mut total = 0u64;
    loop {
        match f.read(buf) {
            Ok(0) => break,
            Ok(n) => {
                hasher.update(buf.get(..n).unwrap_or_default());
                total += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io("reading", source_name, e)),
        }
    }
    if total != size {
        return Err(Error::io(
            "reading",
            source_name,
            std::io::Error::other(format!(
                "the file changed while it was read ({total} of {size} bytes)"
            )),
        ));
    }
    Ok(hasher.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_starts_are_found_past_the_first_window_and_quoted_whole() {
        let line = "CKA_CLASS CK_OBJECT_CLASS CKO_CERTIFICATE";
        let find = |text: &str| {
            let mut f = tempfile::tempfile().unwrap();
            std::io::Write::write_all(&mut f, text.as_bytes()).unwrap();
            object_start(&f, 0, &mut Vec::new()).unwrap()
        };
        let pad = |n: usize| "#".repeat(n - 1) + "\n";
        // Within the first window.
        let text = format!("{}{line}\nEND\n", pad(100));
        assert_eq!(find(&text), Some((100, line.as_bytes().to_vec())));
        // Only past it.
        let text = format!("{}{line}\n", pad(PLAN_WINDOW + 500));
        assert_eq!(
            find(&text),
            Some(((PLAN_WINDOW + 500) as u64, line.as_bytes().to_vec()))
        );
        // Its line crosses the first window's end: read on, quoted whole.
        let text = format!("{}{line}\nx\n", pad(PLAN_WINDOW - 10));
        assert_eq!(
            find(&text),
            Some(((PLAN_WINDOW - 10) as u64, line.as_bytes().to_vec()))
        );
        // At the end of the file without a line feed: whole as it is.
        let text = format!("{}{line}", pad(200));
        assert_eq!(find(&text), Some((200, line.as_bytes().to_vec())));
        // `CKA_CLASSX` starts no object; nothing within a READ_CHUNK.
        assert_eq!(find(&format!("{}CKA_CLASSX x\n", pad(100))), None);
        assert_eq!(find(&format!("{}{line}\n", pad(READ_CHUNK + 100))), None);
    }

    /// An input named `worker panics at job N` makes a worker panic as it
    /// takes job N or a later one (job 0 hashes, job k parses part k - 1;
    /// the calling thread, which takes parts too, does not panic).
    pub(super) fn panics_at(source_name: &str) -> Option<usize> {
        source_name
            .strip_prefix("worker panics at job ")?
            .parse()
            .ok()
    }

    #[test]
    fn a_worker_that_panics_neither_hangs_the_load_nor_changes_its_result() {
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/bundles/certdata.txt"));
        assert!(std::fs::metadata(path).unwrap().len() >= MIN_SPLIT);
        let whole = load_file(path, "worker panics at job 99", u64::MAX).unwrap();
        // A part that never comes (the first the worker takes after the
        // hash, while the calling thread parses the others): the rest of the
        // file is parsed again by the calling thread, with the same result.
        match load_file(path, "worker panics at job 3", u64::MAX) {
            Ok(store) => assert!(
                store.input_sha256 == whole.input_sha256
                    && store.certificates == whole.certificates
                    && store.distrust == whole.distrust
                    && store.warnings == whole.warnings,
                "the store differs"
            ),
            Err(e) => panic!("{e}"),
        }
        // No hash: an error.
        match load_file(path, "worker panics at job 0", u64::MAX) {
            Ok(_) => panic!("loaded without a hash"),
            Err(e) => assert!(e.to_string().contains("a parsing thread stopped"), "{e}"),
        }
    }

    #[test]
    fn cpus_are_those_the_process_may_use() {
        // available_parallelism is the affinity mask's count, lowered by a
        // cgroup CPU quota if there is one.
        let available = std::thread::available_parallelism().map_or(1, usize::from);
        assert!(cpus() >= available, "{} < {available}", cpus());
        #[cfg(target_os = "linux")]
        {
            let online =
                std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap_or_default();
            let highest = online
                .trim()
                .rsplit(['-', ','])
                .next()
                .and_then(|n| n.parse::<usize>().ok());
            if let Some(highest) = highest {
                assert!(cpus() <= highest + 1, "{} > {}", cpus(), highest + 1);
            }
        }
    }
}
