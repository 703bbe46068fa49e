//! A real SMTP server for tests (mailin-embedded) that keeps what it receives.

use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mailin_embedded::response::{Response, OK};
use mailin_embedded::{Handler, Server, SslConfig};

/// One received message: its envelope recipients and its text part, decoded.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The message as it arrived, headers and MIME parts.
    pub raw: String,
}

impl ReceivedMail {
    /// The value of a `Label: value` line of the text part (`Code`, `Key`, `Identifier`…).
    pub fn line(&self, label: &str) -> Option<String> {
        let prefix = format!("{label}: ");
        self.text
            .lines()
            .find_map(|l| l.trim().strip_prefix(&prefix).map(|v| v.trim().to_owned()))
    }

    /// The first top-level header named `name` (any case), its folded lines joined.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.raw.split("\r\n\r\n").next().unwrap_or_default();
        let mut unfolded: Vec<String> = Vec::new();
        for line in head.split("\r\n") {
            match unfolded.last_mut() {
                Some(last) if line.starts_with([' ', '\t']) => last.push_str(line),
                _ => unfolded.push(line.to_owned()),
            }
        }
        unfolded.into_iter().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }

    /// What a mail from Clientele must have and this one lacks: the headers mail providers
    /// and auto-responders look for (`Message-ID`, `Date`, `From`, `Auto-Submitted`,
    /// `Content-Language`), both parts with the text first, a text part wrapped at 78 columns
    /// (a single long word, a link, excepted) without runs of blank lines, and an HTML part
    /// that says its language. Every [`SmtpSink::wait_for`] checks it, so every mail any test
    /// waits for is held to it.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for header in ["Message-ID", "Date", "From", "Auto-Submitted", "Content-Language"] {
            if self.header(header).is_none() {
                problems.push(format!("no {header} header"));
            }
        }
        if self
            .header("Auto-Submitted")
            .is_some_and(|v| v != "auto-generated")
        {
            problems.push("Auto-Submitted is not auto-generated".into());
        }
        if self.part_types() != ["text/plain", "text/html"] {
            problems.push(format!("parts {:?}, not text then HTML", self.part_types()));
        }
        for line in self.text.lines() {
            if line.chars().count() > 78 && line.trim().contains(' ') {
                problems.push(format!("a text line over 78 columns: {line:?}"));
            }
        }
        let blank: Vec<bool> = self.text.lines().map(|l| l.trim().is_empty()).collect();
        if blank.windows(2).any(|pair| pair[0] && pair[1]) {
            problems.push("a run of blank lines in the text part".into());
        }
        if let Some(language) = self.header("Content-Language") {
            if !self.html.contains(&format!("lang=\"{language}\"")) {
                problems.push(format!("the HTML part does not say lang=\"{language}\""));
            }
        }
        problems
    }

    /// The content types of the message's parts in the order they arrived.
    pub fn part_types(&self) -> Vec<String> {
        self.raw
            .lines()
            .filter_map(|l| l.strip_prefix("Content-Type: "))
            .map(|t| t.split(';').next().unwrap_or_default().trim().to_owned())
            .filter(|t| !t.starts_with("multipart/"))
            .collect()
    }
}

#[derive(Clone)]
struct Collector {
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Collector {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let parsed = mail_parser::MessageParser::default().parse(&self.data);
        let mail = ReceivedMail {
            to: self.to.clone(),
            subject: parsed
                .as_ref()
                .and_then(|m| m.subject())
                .unwrap_or_default()
                .to_owned(),
            text: parsed
                .as_ref()
                .and_then(|m| m.body_text(0))
                .unwrap_or_default()
                .into_owned(),
            html: parsed
                .as_ref()
                .and_then(|m| m.body_html(0))
                .unwrap_or_default()
                .into_owned(),
            raw: String::from_utf8_lossy(&self.data).into_owned(),
        };
        self.received.lock().unwrap().push(mail);
        OK
    }
}

/// An SMTP server on 127.0.0.1, running until the test process ends.
pub struct SmtpSink {
    pub port: u16,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
}

/// A port that was free a moment ago (for a server started later).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An SMTP server that is down: every connection is answered `421` and closed, as a server
/// that is not taking mail does. It holds its port meanwhile, so nothing else can take it before
/// [`DownSmtp::come_up`] turns it into a working [`SmtpSink`] on the same port (a port merely
/// noted as free can be taken by any other test's connection in between).
pub struct DownSmtp {
    listener: TcpListener,
    port: u16,
    up: Arc<AtomicBool>,
    refuser: JoinHandle<()>,
}

impl DownSmtp {
    pub fn start() -> DownSmtp {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the test SMTP server");
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(false));
        let (refusing, stop) = (listener.try_clone().unwrap(), up.clone());
        let refuser = std::thread::spawn(move || {
            for stream in refusing.incoming() {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                if let Ok(mut stream) = stream {
                    let _ = stream.write_all(b"421 smtp.test Service not available\r\n");
                }
            }
        });
        DownSmtp {
            listener,
            port,
            up,
            refuser,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The server, taking mail from now on at the same address.
    pub fn come_up(self) -> SmtpSink {
        self.up.store(true, Ordering::SeqCst);
        // Wakes the refusing thread, blocked in accept, so that it sees it is done.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        self.refuser.join().expect("the refusing thread");
        SmtpSink::serving(self.listener)
    }
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        Self::start_on(0)
    }

    pub fn start_on(port: u16) -> SmtpSink {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("binding the test SMTP server");
        Self::serving(listener)
    }

    fn serving(listener: TcpListener) -> SmtpSink {
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let handler = Collector {
            received: received.clone(),
            to: Vec::new(),
            data: Vec::new(),
        };
        let mut server = Server::new(handler);
        server
            .with_name("smtp.test")
            .with_ssl(SslConfig::None)
            .expect("no TLS")
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpSink { port, received }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn received(&self) -> Vec<ReceivedMail> {
        self.received.lock().unwrap().clone()
    }

    /// Waits (up to `timeout`) for a message to `to` whose subject contains `subject`.
    pub fn wait_for(&self, to: &str, subject: &str, timeout: Duration) -> ReceivedMail {
        let deadline = Instant::now() + timeout;
        loop {
            let found = self
                .received()
                .into_iter()
                .rev()
                .find(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)) && m.subject.contains(subject));
            if let Some(mail) = found {
                let problems = mail.problems();
                assert!(
                    problems.is_empty(),
                    "the mail {subject:?} to {to} is not well-formed: {problems:?}"
                );
                return mail;
            }
            assert!(
                Instant::now() < deadline,
                "no mail to {to} about {subject:?} within {timeout:?}; received: {:?}",
                self.received()
                    .iter()
                    .map(|m| (&m.to, &m.subject))
                    .collect::<Vec<_>>()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// How many messages went to `to` so far.
    pub fn count_to(&self, to: &str) -> usize {
        self.received()
            .iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)))
            .count()
    }
}

/// An "SMTP server" that accepts connections and never says a word: a send to it hangs until
/// its deadline. Returns its `smtp://` URL and a receiver told of each connection (a send under
/// way).
pub fn silent_smtp_server() -> (String, std::sync::mpsc::Receiver<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding a local port");
    let url = format!("smtp://{}", listener.local_addr().expect("a bound address"));
    let (connected, accepted) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
            let _ = connected.send(());
        }
    });
    (url, accepted)
}

/// An "SMTP server" that accepts connections and then answers one byte at a time, slowly
/// enough that no single read times out and never completing a line: only a deadline on the
/// whole exchange ends a send to it. Returns its `smtp://` URL.
pub fn stalling_smtp_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding a local port");
    let port = listener.local_addr().expect("a bound address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                use std::io::Write;
                let mut stream = stream;
                for byte in b"220-still greeting you ".iter().cycle() {
                    if stream.write_all(&[*byte]).is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            });
        }
    });
    format!("smtp://127.0.0.1:{port}")
}
