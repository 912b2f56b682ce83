//! A stateful local stand-in for Google OAuth + the Gmail API and the Microsoft identity
//! platform + Graph mail, so no test or demo of the Email manager touches the real ones.
//!
//! Each provider lives under a prefix on one listener, with the real hosts' paths:
//! `/google/...` and `/microsoft/...`. A control API under `/_emulator` sets up OAuth
//! clients and mailboxes, delivers mail, and injects quotas and faults (see README.md).
//! Tests start it in-process on port 0 with [`Emulator::start`].

mod consent;
pub mod control;
mod delivery;
pub mod gate;
pub mod generate;
pub mod google;
pub mod mail;
pub mod microsoft;
mod multipart;
pub mod oauth;
pub mod push;
pub mod reply;
mod server;
pub mod world;

pub use world::{Provider, Shared};

use std::net::TcpListener;

/// A running emulator.
pub struct Emulator {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    pub port: u16,
    /// Direct access to the state, for tests that look inside.
    pub world: Shared,
    handle: actix_web::dev::ServerHandle,
}

impl Emulator {
    /// Starts on a free loopback port, on a runtime of its own (two worker threads), so
    /// it serves requests concurrently whatever runtime the caller's test uses.
    pub fn start() -> std::io::Result<Emulator> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let world = Shared::default();
        let (sender, receiver) = std::sync::mpsc::channel();
        let thread_world = world.clone();
        std::thread::Builder::new()
            .name("provider-emulator".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        let _ = sender.send(Err(error));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match server::serve(listener, thread_world) {
                        Ok(server) => {
                            let _ = sender.send(Ok(server.handle()));
                            let _ = server.await;
                        }
                        Err(error) => {
                            let _ = sender.send(Err(error));
                        }
                    }
                });
            })?;
        let handle = receiver
            .recv()
            .map_err(|_| std::io::Error::other("the emulator thread stopped before serving"))??;
        Ok(Emulator {
            url: format!("http://127.0.0.1:{port}"),
            port,
            world,
            handle,
        })
    }

    /// Google's base URL here (`…/google`), for every Google endpoint setting.
    pub fn google_url(&self) -> String {
        format!("{}/google", self.url)
    }

    /// Microsoft's base URL here (`…/microsoft`), for login and Graph.
    pub fn microsoft_url(&self) -> String {
        format!("{}/microsoft", self.url)
    }

    /// Stops the server.
    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

/// Runs until stopped, on `listener` (the binary's entry point).
pub async fn run(listener: TcpListener) -> std::io::Result<()> {
    server::serve(listener, Shared::default())?.await
}
