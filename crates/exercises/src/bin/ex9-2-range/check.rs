/// Checks exercise 9.2 on a file of binary data the check writes: the whole
/// file, four ranges, and one range past the end.
pub fn check(program: &Program) -> Outcome {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|since| since.subsec_nanos() as usize)
        .unwrap_or(7);
    let size = 1000 + seed % 97;
    let data: Vec<u8> = (0..size).map(|index| ((index * 7 + seed) % 256) as u8).collect();
    let file = TempFile::write(&data)?;
    let server = program.server(&["--file", &file.path.to_string_lossy()])?;

    let whole = ask(server.address(), None)?;
    expect(
        whole.status == 200,
        format!("without Range: expected status 200, got {}", whole.status),
    )?;
    expect_bytes("without Range, the body should be the whole file", &data, &whole.body)?;

    let start = 100 + seed % 400;
    let end = start + 9 + seed % 50;
    let ranges = [
        (format!("bytes={start}-{end}"), start, end),
        ("bytes=-5".to_string(), size - 5, size - 1),
        (format!("bytes={}-", size - 10), size - 10, size - 1),
        (format!("bytes={}-{}", size - 3, size + 500), size - 3, size - 1),
    ];
    for (range, first, last) in ranges {
        let reply = ask(server.address(), Some(&range))?;
        expect(
            reply.status == 206,
            format!(
                "Range: {range} (the file has {size} bytes): expected status 206, got {}",
                reply.status
            ),
        )?;
        let content_range = format!("bytes {first}-{last}/{size}");
        expect(
            reply.header("content-range") == Some(content_range.as_str()),
            format!(
                "Range: {range} (the file has {size} bytes): expected Content-Range: {content_range}, got {:?}",
                reply.header("content-range")
            ),
        )?;
        expect_bytes(
            &format!("Range: {range}: the body should be bytes {first} to {last}, both included"),
            &data[first..=last],
            &reply.body,
        )?;
    }

    let range = format!("bytes={size}-");
    let reply = ask(server.address(), Some(&range))?;
    expect(
        reply.status == 416,
        format!(
            "Range: {range} starts past the end of a {size}-byte file: expected status 416, got {}",
            reply.status
        ),
    )?;
    let content_range = format!("bytes */{size}");
    expect(
        reply.header("content-range") == Some(content_range.as_str()),
        format!(
            "with status 416, expected Content-Range: {content_range}, got {:?}",
            reply.header("content-range")
        ),
    )
}

/// Sends one GET, with a Range header if given, on a new connection.
fn ask(address: SocketAddr, range: Option<&str>) -> Result<HttpReply, String> {
    let mut stream = connect(address)?;
    let range = range.map(|range| format!("Range: {range}\r\n")).unwrap_or_default();
    let request = format!("GET / HTTP/1.1\r\nHost: check\r\n{range}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).map_err(|error| error.to_string())?;
    let mut reader = std::io::BufReader::new(stream);
    read_http_response(&mut reader).map_err(|error| format!("{}: {error}", request.trim_end()))
}

/// A file in the system's temporary folder, removed when dropped.
struct TempFile {
    path: std::path::PathBuf,
}

impl TempFile {
    fn write(data: &[u8]) -> Result<TempFile, String> {
        let name = format!("netlessons-ex9-2-{}-{}.bin", std::process::id(), data.len());
        let path = std::env::temp_dir().join(name);
        std::fs::write(&path, data)
            .map_err(|error| format!("the check cannot write {}: {error}", path.display()))?;
        Ok(TempFile { path })
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
