// Upload and download endpoints as a downstream crate declares them: the
// upload's other body fields join `meta`, `#[form]` fields are parts of
// their own, the file's part is named after its field; the download
// answers a file.
use serde::Deserialize;
use wxpay_core::download::Download;
use wxpay_core::upload::UploadFile;
use wxpay_core::{Client, DownloadEndpoint, Endpoint, Error, RequestBody, endpoint};

#[endpoint(POST, "/v3/merchant-service/images/upload", upload, response = Uploaded)]
pub struct EvidenceUpload {
    pub file: UploadFile,
    pub complaint_id: String,
    pub note: Option<String>,
}

#[endpoint(POST, "/v3/mch-manage/submission-files/sub-mchid/{sub_mchid}/upload", upload, response = Uploaded)]
pub struct SubmissionUpload {
    pub sub_mchid: String,
    pub submission_file: UploadFile,
    pub file_name: Option<String>,
    #[form]
    pub item_id: i64,
    #[form]
    pub manage_record_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Uploaded {
    pub media_id: String,
}

#[endpoint(GET, "/v3/transferdownload/signfile/{bill_id}", download, method_name = sign_file)]
pub struct SignFile {
    pub bill_id: String,
    pub tar_type: Option<String>,
}

#[allow(dead_code)]
async fn use_them(client: &Client) -> Result<(), Error> {
    let file = UploadFile::from_bytes("a.jpg", b"\xff\xd8\xff".to_vec());
    let up: Uploaded = client
        .post_merchant_service_images_upload(EvidenceUpload { file, complaint_id: "C1".into(), note: None })
        .await?;
    let _ = up.media_id;
    let file: Download = client
        .sign_file(SignFile { bill_id: "B 1".into(), tar_type: None })
        .await?;
    let _ = file.status();
    let _: Download = client.download(SignFile { bill_id: "B2".into(), tar_type: None }).await?;
    Ok(())
}

fn main() {
    let request = EvidenceUpload {
        file: UploadFile::from_bytes("a.jpg", b"\xff\xd8\xff".to_vec()),
        complaint_id: "C1".into(),
        note: Some("看这里".into()),
    };
    let RequestBody::Multipart(body) = request.body().unwrap() else {
        panic!("an upload has a multipart body");
    };
    assert_eq!(
        std::str::from_utf8(body.meta()).unwrap(),
        r#"{"filename":"a.jpg","sha256":"6e568e1f67fba258184c78181539e5e8fdee447e49bb706fc0ea34fbf12336a5","complaint_id":"C1","note":"看这里"}"#
    );
    assert_eq!(<EvidenceUpload as Endpoint>::METHOD, http::Method::POST);

    let request = SubmissionUpload {
        sub_mchid: "1900000109".into(),
        submission_file: UploadFile::from_bytes("a.pdf", b"%PDF".to_vec()),
        file_name: Some("a.pdf".into()),
        item_id: 56,
        manage_record_id: None,
    };
    let RequestBody::Multipart(body) = request.body().unwrap() else {
        panic!("an upload has a multipart body");
    };
    // Form parts are not in the signed meta.
    assert_eq!(
        std::str::from_utf8(body.meta()).unwrap(),
        r#"{"filename":"a.pdf","sha256":"315d429b7714cedb6ad04ac31240145257692630457f3c88253c5beceac76027","file_name":"a.pdf"}"#
    );
    let same = wxpay_core::upload::Multipart::with_parts(
        "submission_file",
        body.file(),
        &serde_json::json!({"file_name": "a.pdf"}),
        &serde_json::json!({"item_id": 56}),
    )
    .unwrap();
    assert_eq!(body.content_length(), same.content_length());

    let mut path = String::new();
    SignFile { bill_id: "B 1".into(), tar_type: Some("GZIP".into()) }
        .write_path_and_query(&mut path)
        .unwrap();
    assert_eq!(path, "/v3/transferdownload/signfile/B%201?tar_type=GZIP");
    assert_eq!(<SignFile as DownloadEndpoint>::PATH, "/v3/transferdownload/signfile/{bill_id}");
}
