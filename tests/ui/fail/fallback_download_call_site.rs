// The same for a download: its client method still answers a `Download`.
use wxpay_core::{Client, Download, Error, endpoint};

#[endpoint(GET, "/v3/billdownload/file", download, colour = "blue")]
pub struct File {
    pub token: String,
}

pub async fn use_it(client: &Client) -> Result<u16, Error> {
    let file: Download = client.get_billdownload_file(File { token: "t".into() }).await?;
    let again: Download = client.download(File { token: "t".into() }).await?;
    Ok(file.status().as_u16() + again.status().as_u16())
}

fn main() {}
