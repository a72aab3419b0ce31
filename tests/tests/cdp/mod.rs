//! A small Chrome DevTools Protocol client for the browser tests that need more than a page's
//! DOM (a form filled and submitted, a file given to a file input, cookies): headless Chromium
//! started with `--remote-debugging-pipe`, which speaks CDP as NUL-separated JSON on file
//! descriptors 3 (commands in) and 4 (answers and events out), here the child's standard
//! input and output (`sh` moves them), so that nothing but the standard library is needed.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long one command or wait may take (the machine may be busy).
const PATIENCE: Duration = Duration::from_secs(60);

pub struct Browser {
    child: Child,
    input: ChildStdin,
    messages: Receiver<Value>,
    next_id: u64,
    events: Vec<Value>,
    /// The page's session.
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Headless `chromium` with a fresh profile, a Vietnamese reader, and one page open.
    pub fn start(chromium: &str, extra: &[&str]) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new("sh")
            .arg("-c")
            .arg("exec \"$0\" \"$@\" 3<&0 4>&1 0</dev/null 1>/dev/null")
            .arg(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-dev-shm-usage",
                "--accept-lang=vi",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg("about:blank")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromium starts");
        let input = child.stdin.take().unwrap();
        let output = child.stdout.take().unwrap();
        let (tx, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(output);
            let mut buf = Vec::new();
            while let Ok(n) = reader.read_until(0, &mut buf) {
                if n == 0 {
                    break;
                }
                if buf.last() == Some(&0) {
                    buf.pop();
                }
                if let Ok(v) = serde_json::from_slice::<Value>(&buf) {
                    if tx.send(v).is_err() {
                        break;
                    }
                }
                buf.clear();
            }
        });
        let mut browser = Browser {
            child,
            input,
            messages,
            next_id: 0,
            events: Vec::new(),
            session: String::new(),
            _profile: profile,
        };
        let target = browser.send(None, "Target.createTarget", json!({"url": "about:blank"}));
        let target = target["targetId"].as_str().unwrap().to_string();
        let attached = browser.send(
            None,
            "Target.attachToTarget",
            json!({"targetId": target, "flatten": true}),
        );
        browser.session = attached["sessionId"].as_str().unwrap().to_string();
        for domain in ["Page.enable", "Runtime.enable", "Network.enable"] {
            browser.call(domain, json!({}));
        }
        browser
    }

    fn send(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            message["sessionId"] = json!(s);
        }
        let mut bytes = message.to_string().into_bytes();
        bytes.push(0);
        self.input
            .write_all(&bytes)
            .expect("chromium reads commands");
        self.input.flush().unwrap();
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(m) if m["id"] == json!(id) => {
                    assert!(m.get("error").is_none(), "{method}: {m}");
                    return m["result"].clone();
                }
                Ok(m) => self.events.push(m),
                Err(RecvTimeoutError::Timeout) => panic!("{method}: no answer from chromium"),
                Err(RecvTimeoutError::Disconnected) => panic!("{method}: chromium ended"),
            }
        }
    }

    /// A command to the page.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.send(Some(&session), method, params)
    }

    /// Waits for the page's next load (after a navigation, a form submitted, a reload).
    fn wait_for_load(&mut self) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(i) = self
                .events
                .iter()
                .position(|e| e["method"] == "Page.loadEventFired")
            {
                self.events.drain(..=i);
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(m) => self.events.push(m),
                Err(_) => panic!("the page never finished loading"),
            }
        }
    }

    /// Opens `url` and waits for it to load (redirects followed).
    pub fn goto(&mut self, url: &str) {
        self.events.clear();
        self.call("Page.navigate", json!({"url": url}));
        self.wait_for_load();
    }

    /// Runs `script` (which may trigger a navigation, as a form submitted) and waits for the
    /// page it leads to.
    pub fn navigate_by(&mut self, script: &str) {
        self.events.clear();
        self.eval(script);
        self.wait_for_load();
    }

    /// The value of a JavaScript expression in the page (promises awaited).
    pub fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "awaitPromise": true, "returnByValue": true}),
        );
        assert!(
            r.get("exceptionDetails").is_none(),
            "{expression}: {}",
            r["exceptionDetails"]
        );
        r["result"]["value"].clone()
    }

    /// Waits until `expression` is neither null, undefined nor false; returns its value.
    pub fn wait_until(&mut self, expression: &str) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let v = self.eval(expression);
            if !v.is_null() && v != json!(false) {
                return v;
            }
            assert!(Instant::now() < deadline, "never true: {expression}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The page's path (`location.pathname`).
    pub fn path(&mut self) -> String {
        self.eval("location.pathname")
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// The page's whole HTML as it is now.
    pub fn html(&mut self) -> String {
        self.eval("document.documentElement.outerHTML")
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// Gives `file` to the file input `selector`, as a reader choosing it would.
    pub fn set_file(&mut self, selector: &str, file: &Path) {
        let root = self.call("DOM.getDocument", json!({}));
        let node = self.call(
            "DOM.querySelector",
            json!({"nodeId": root["root"]["nodeId"], "selector": selector}),
        );
        assert_ne!(node["nodeId"], json!(0), "no {selector} on the page");
        self.call(
            "DOM.setFileInputFiles",
            json!({"nodeId": node["nodeId"], "files": [file.to_str().unwrap()]}),
        );
    }

    /// The browser's cookies for the page's URL.
    pub fn cookies(&mut self) -> Vec<Value> {
        self.call("Network.getCookies", json!({}))["cookies"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
