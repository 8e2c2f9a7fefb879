//! Reading, parsing and modelling an input a piece at a time, on two worker
//! threads.
//!
//! The calling thread reads the input in [`READ_CHUNK`] reads, hashes it, and
//! cuts it where an object starts (a line beginning with `CKA_CLASS`). Until
//! `BEGINDATA` has been seen it parses and models the pieces itself; after
//! that it hands each piece, with the line number it starts after, to the
//! workers in turn. A worker parses its piece with a [`Parser::fork`] of the
//! header's parser and models every object ([`Ctx::model`]: DER, names,
//! hashes), which needs no other object. The calling thread takes the
//! results back in input order and inserts them ([`StoreBuilder::insert`]),
//! so duplicates, conflicts, warnings and the first error are exactly those
//! of a single pass (`tests` below compare the two on every kind of error).

use std::collections::VecDeque;
use std::io::Read;
use std::sync::mpsc::{Receiver, Sender, channel};

use sha2::{Digest, Sha256};

use super::{Ctx, Part, Store, StoreBuilder, Window, stopped};
use crate::error::{Error, Result};
use crate::parse::Parser;

/// Worker threads. The machine this was measured on has two cores: the
/// calling thread's reading and hashing overlap with the workers.
const WORKERS: usize = 2;

/// Pieces handed out and not yet taken back: bounds the memory in flight to
/// about this many pieces.
const MAX_IN_FLIGHT: usize = 4;

/// A piece for a worker.
struct Job {
    piece: Vec<u8>,
    /// Lines before the piece.
    line_no: usize,
    /// The first line after the piece, quoted by an error at its end.
    next: Option<Vec<u8>>,
}

/// What a worker made of a piece.
struct Done {
    /// The piece's buffer, for reuse.
    piece: Vec<u8>,
    part: Part,
}

/// Parses and models pieces until the job channel closes.
fn work(ctx: Ctx<'_>, template: &Parser<'_>, jobs: Receiver<Job>, done: Sender<Done>) {
    for job in jobs {
        let mut parser = template.fork(job.line_no);
        let part = Part::model(ctx, Vec::new(), |emit| {
            parser.feed(&job.piece, job.next.as_deref(), emit)
        });
        let sent = done.send(Done {
            piece: job.piece,
            part,
        });
        if sent.is_err() {
            return;
        }
    }
}

/// The workers and the pieces they hold, oldest first.
struct Pool<'scope> {
    jobs: Vec<Sender<Job>>,
    done: Vec<Receiver<Done>>,
    /// Worker index of each piece in flight, in input order.
    in_flight: VecDeque<usize>,
    /// Buffers of pieces taken back, to copy the next pieces into.
    spare: Vec<Vec<u8>>,
    turn: usize,
    /// Lines before the next piece.
    line_no: usize,
    _scope: std::marker::PhantomData<&'scope ()>,
}

impl<'scope> Pool<'scope> {
    fn start<'env>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        ctx: Ctx<'env>,
        template: Parser<'env>,
    ) -> Self {
        let line_no = template.line_no();
        let mut jobs = Vec::with_capacity(WORKERS);
        let mut done = Vec::with_capacity(WORKERS);
        for _ in 0..WORKERS {
            let (job_tx, job_rx) = channel();
            let (done_tx, done_rx) = channel();
            let template = template.fork(line_no);
            scope.spawn(move || work(ctx, &template, job_rx, done_tx));
            jobs.push(job_tx);
            done.push(done_rx);
        }
        Pool {
            jobs,
            done,
            in_flight: VecDeque::new(),
            spare: Vec::new(),
            turn: 0,
            line_no,
            _scope: std::marker::PhantomData,
        }
    }

    /// Hands `piece` to the next worker; takes back the oldest piece when
    /// too many are out.
    fn send(
        &mut self,
        piece: &[u8],
        next: Option<&[u8]>,
        builder: &mut StoreBuilder<'_>,
    ) -> Result<()> {
        if self.in_flight.len() >= MAX_IN_FLIGHT {
            self.take_oldest(builder)?;
        }
        let next = next.map(|rest| crate::parse::first_line(rest).to_vec());
        let mut buffer = self.spare.pop().unwrap_or_default();
        buffer.clear();
        buffer.extend_from_slice(piece);
        let job = Job {
            piece: buffer,
            line_no: self.line_no,
            next,
        };
        self.line_no += memchr::memchr_iter(b'\n', piece).count();
        let worker = self.turn % WORKERS;
        self.turn = self.turn.wrapping_add(1);
        self.jobs
            .get(worker)
            .and_then(|tx| tx.send(job).ok())
            .ok_or_else(|| stopped(builder.ctx.source_name))?;
        self.in_flight.push_back(worker);
        Ok(())
    }

    /// Inserts the oldest piece's objects; its error, if any.
    fn take_oldest(&mut self, builder: &mut StoreBuilder<'_>) -> Result<()> {
        let Some(worker) = self.in_flight.pop_front() else {
            return Ok(());
        };
        let done = self
            .done
            .get(worker)
            .and_then(|rx| rx.recv().ok())
            .ok_or_else(|| stopped(builder.ctx.source_name))?;
        self.spare.push(done.piece);
        done.part.insert_into(builder)
    }

    /// Takes back every piece in flight.
    fn finish(&mut self, builder: &mut StoreBuilder<'_>) -> Result<()> {
        while !self.in_flight.is_empty() {
            self.take_oldest(builder)?;
        }
        Ok(())
    }
}

/// See the module documentation. Fails when the input is larger than `max`
/// bytes, after the errors of the pieces read before the limit was passed.
pub(super) fn load(mut reader: impl Read, source_name: &str, max: u64) -> Result<Store> {
    let mut header = Parser::new(source_name);
    let mut builder = StoreBuilder::new(source_name);
    let ctx = builder.ctx;
    let mut hasher = Sha256::new();
    let mut window = Window::new();
    let mut total: u64 = 0;
    std::thread::scope(|scope| -> Result<()> {
        // Started once the header is over.
        let mut pool: Option<Pool<'_>> = None;
        loop {
            let (n, failure) = match window.read(&mut reader) {
                Err(e) => (0, Some(Error::io("reading", source_name, e))),
                Ok(n) => {
                    total = total.saturating_add(n as u64);
                    (n, (total > max).then(|| too_large(source_name, total, max)))
                }
            };
            if let Some(e) = failure {
                // The pieces read before have their say first.
                if let Some(pool) = pool.as_mut() {
                    pool.finish(&mut builder)?;
                }
                return Err(e);
            }
            let text = window.text();
            if n == 0 {
                // End of input: the rest is the last piece.
                return match pool.as_mut() {
                    Some(pool) => {
                        if !text.is_empty() {
                            pool.send(text, None, &mut builder)?;
                        }
                        pool.finish(&mut builder)
                    }
                    None => header.feed(text, None, &mut |obj| builder.add(obj)),
                };
            }
            hasher.update(window.fresh());
            if let Some(cut) = window.cut() {
                let (whole, rest) = text.split_at(cut);
                match pool.as_mut() {
                    Some(pool) => pool.send(whole, Some(rest), &mut builder)?,
                    None => {
                        header.feed(whole, Some(rest), &mut |obj| builder.add(obj))?;
                        if header.in_data() {
                            pool = Some(Pool::start(scope, ctx, header.fork(header.line_no())));
                        }
                    }
                }
                window.consume(cut);
            }
        }
    })?;
    header.finish()?;
    let mut store = builder.finish()?;
    store.input_sha256 = hasher.finalize().into();
    Ok(store)
}

fn too_large(source_name: &str, size: u64, limit: u64) -> Error {
    Error::TooLarge {
        source_name: source_name.to_owned(),
        size,
        limit,
    }
}
