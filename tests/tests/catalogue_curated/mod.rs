//! The calls of the catalogue test for the endpoints written by hand in
//! wxpay-core (the generated test, `catalogue.rs`, covers the rest and
//! insists that this list holds exactly the hand-written operations).
//! Values follow the spec's examples, like the generated calls.

use wxpay::prelude::*;
use wxpay::v3::bill::{
    AccountType, BillAlgorithm, BillType, Fundflowbill, SubMerchantFundflowbill, TarType, Tradebill,
};
use wxpay::v3::billdownload::File;
use wxpay::v3::marketing::favor::media::ImageUpload;
use wxpay::v3::merchant::media::{Upload, VideoUpload};
use wxpay::v3::password_exempt_contract::contracts::{
    ecommerce, normal, qs, service_id, service_provider,
};
use wxpay::v3::pay::{partner, transactions};
use wxpay::v3::refund::domestic::refunds::{AbnormalRefundType, ApplyAbnormalRefund};
use wxpay::v3::refund::domestic::{GetRefunds, PostRefunds, PostRefundsAmount};
use wxpay_core::upload::UploadFile;

use super::common;
use super::{Call, Pending, answered, downloaded};

/// A 1×1 PNG, the file every upload of the catalogue sends.
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82";

const MCHID: &str = "1900000109";
const SUB_MCHID: &str = "1900000110";
const SERVICE_ID: u64 = 12535;
const CONTRACT: &str = "wxwtdk20200910100000";

fn png(name: &str) -> UploadFile {
    UploadFile::from_bytes(name, PNG.to_vec())
}

/// The hand-written operations' calls, by operation.
pub fn cases() -> Vec<(&'static str, Call)> {
    vec![
        ("GET /v3/bill/tradebill", tradebill),
        ("GET /v3/bill/fundflowbill", fundflowbill),
        (
            "GET /v3/bill/sub-merchant-fundflowbill",
            sub_merchant_fundflowbill,
        ),
        ("GET /v3/billdownload/file", bill_file),
        ("GET /v3/certificates", certificates),
        (
            "POST /v3/marketing/favor/media/image-upload",
            favor_image_upload,
        ),
        ("POST /v3/merchant/media/upload", media_upload),
        ("POST /v3/merchant/media/video_upload", video_upload),
        (
            "POST /v3/password-exempt-contract/contracts/ecommerce/pre-entrust-sign/mini-program",
            ecommerce_mini_program,
        ),
        (
            "POST /v3/password-exempt-contract/contracts/ecommerce/pre-entrust-sign/pay-redirect-sign",
            ecommerce_pay_redirect_sign,
        ),
        (
            "POST /v3/password-exempt-contract/contracts/normal/pre-entrust-sign/mini-program",
            normal_mini_program,
        ),
        (
            "POST /v3/password-exempt-contract/contracts/normal/pre-entrust-sign/pay-redirect-sign",
            normal_pay_redirect_sign,
        ),
        (
            "POST /v3/password-exempt-contract/contracts/qs/pre-entrust-sign/mini-program",
            qs_mini_program,
        ),
        (
            "POST /v3/password-exempt-contract/contracts/qs/pre-entrust-sign/pay-redirect-sign",
            qs_pay_redirect_sign,
        ),
        (
            "POST /v3/password-exempt-contract/contracts/service-provider/pre-entrust-sign/mini-program",
            service_provider_mini_program,
        ),
        (
            "POST /v3/password-exempt-contract/contracts/service-provider/pre-entrust-sign/pay-redirect-sign",
            service_provider_pay_redirect_sign,
        ),
        (
            "GET /v3/password-exempt-contract/contracts/service-id/{service_id}/out-contract-code/{out_contract_code}",
            contract_query,
        ),
        (
            "POST /v3/password-exempt-contract/contracts/service-id/{service_id}/out-contract-code/{out_contract_code}/terminate",
            contract_terminate,
        ),
        (
            "POST /v3/pay/transactions/jsapi-with-contract",
            jsapi_with_contract,
        ),
        (
            "POST /v3/pay/transactions/app-with-contract",
            app_with_contract,
        ),
        (
            "GET /v3/pay/transactions/out-trade-no/{out_trade_no}",
            pay_out_trade_no,
        ),
        ("GET /v3/pay/transactions/id/{transaction_id}", pay_id),
        (
            "POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close",
            pay_close,
        ),
        (
            "POST /v3/pay/partner/transactions/jsapi-with-contract",
            partner_jsapi_with_contract,
        ),
        (
            "POST /v3/pay/partner/transactions/app-with-contract",
            partner_app_with_contract,
        ),
        (
            "GET /v3/pay/partner/transactions/out-trade-no/{out_trade_no}",
            partner_out_trade_no,
        ),
        (
            "GET /v3/pay/partner/transactions/id/{transaction_id}",
            partner_id,
        ),
        (
            "POST /v3/pay/partner/transactions/out-trade-no/{out_trade_no}/close",
            partner_close,
        ),
        ("POST /v3/refund/domestic/refunds", post_refunds),
        (
            "GET /v3/refund/domestic/refunds/{out_refund_no}",
            get_refunds,
        ),
        (
            "POST /v3/refund/domestic/refunds/{refund_id}/apply-abnormal-refund",
            apply_abnormal_refund,
        ),
        ("POST /v3/transfer/batches", transfer_batches),
    ]
}

fn tradebill(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .get_bill_tradebill(Tradebill {
                    bill_date: "2019-06-11".into(),
                    sub_mchid: None,
                    bill_type: Some(BillType::All),
                    tar_type: Some(TarType::Gzip),
                })
                .await,
        )
    })
}

fn fundflowbill(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .get_bill_fundflowbill(Fundflowbill {
                    bill_date: "2019-06-11".into(),
                    sub_mchid: None,
                    account_type: Some(AccountType::Basic),
                    tar_type: Some(TarType::Gzip),
                })
                .await,
        )
    })
}

fn sub_merchant_fundflowbill(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .get_bill_sub_merchant_fundflowbill(SubMerchantFundflowbill {
                    sub_mchid: SUB_MCHID.into(),
                    bill_date: "2019-06-11".into(),
                    account_type: AccountType::Basic,
                    algorithm: BillAlgorithm::AeadAes256Gcm,
                    tar_type: Some(TarType::Gzip),
                })
                .await,
        )
    })
}

fn bill_file(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        downloaded(
            client
                .get_billdownload_file(File {
                    token: "6XIv5TUPto7pByrTQKhd6kwvyKLG2uY2wMMR8cNXqaA_Cv_isgaUtBzp4QtiozLO"
                        .into(),
                    tartype: None,
                })
                .await,
        )
        .await
    })
}

fn certificates(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .get_certificates(wxpay::v3::certificates::Certificates::default())
                .await,
        )
    })
}

fn favor_image_upload(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .post_marketing_favor_media_image_upload(ImageUpload {
                    file: png("coupon.png"),
                })
                .await,
        )
    })
}

fn media_upload(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .post_merchant_media_upload(Upload {
                    file: png("storefront.png"),
                })
                .await,
        )
    })
}

fn video_upload(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .post_merchant_media_video_upload(VideoUpload {
                    file: UploadFile::from_bytes("intro.mp4", b"\x00\x00\x00\x18ftypmp42".to_vec()),
                })
                .await,
        )
    })
}

fn ecommerce_mini_program(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .post_password_exempt_contract_contracts_ecommerce_pre_entrust_sign_mini_program(
                    ecommerce::pre_entrust_sign::MiniProgram {
                        appid: "wxd678efh567hg6787".into(),
                        service_id: SERVICE_ID,
                        out_contract_code: CONTRACT.into(),
                        notify_url: "https://yourapp.com/notify".into(),
                        contract_display_account: "微信代扣用户A".into(),
                        openid: common::OPENID.into(),
                    },
                )
                .await,
        )
    })
}

fn ecommerce_pay_redirect_sign(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .post_password_exempt_contract_contracts_ecommerce_pre_entrust_sign_pay_redirect_sign(ecommerce::pre_entrust_sign::PayRedirectSign {
                    appid: "wxd678efh567hg6787".into(),
                    service_id: SERVICE_ID,
                    out_contract_code: CONTRACT.into(),
                    notify_url: "https://yourapp.com/notify".into(),
                    contract_display_account: "微信代扣用户A".into(),
                    prepay_id: "wx201410272009395522657a690389285100".into(),
                    openid: common::OPENID.into(),
                })
                .await,
        )
    })
}

fn normal_mini_program(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .post_password_exempt_contract_contracts_normal_pre_entrust_sign_mini_program(
                    common::pre_sign_request(SERVICE_ID, CONTRACT),
                )
                .await,
        )
    })
}

fn normal_pay_redirect_sign(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .post_password_exempt_contract_contracts_normal_pre_entrust_sign_pay_redirect_sign(
                    normal::pre_entrust_sign::PayRedirectSign {
                        appid: "wxd678efh567hg6787".into(),
                        service_id: SERVICE_ID,
                        out_contract_code: CONTRACT.into(),
                        notify_url: "https://yourapp.com/notify".into(),
                        contract_display_account: "微信代扣用户A".into(),
                        prepay_id: "wx201410272009395522657a690389285100".into(),
                        openid: common::OPENID.into(),
                    },
                )
                .await,
        )
    })
}

fn qs_mini_program(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .post_password_exempt_contract_contracts_qs_pre_entrust_sign_mini_program(
                    qs::pre_entrust_sign::MiniProgram {
                        appid: "wxd678efh567hg6787".into(),
                        sub_appid: "wxd678efh567hg6999".into(),
                        sub_mchid: SUB_MCHID.into(),
                        service_id: SERVICE_ID,
                        out_contract_code: CONTRACT.into(),
                        notify_url: "https://yourapp.com/notify".into(),
                        contract_display_account: "微信代扣用户A".into(),
                        openid: Some(common::OPENID.into()),
                        sub_openid: None,
                    },
                )
                .await,
        )
    })
}

fn qs_pay_redirect_sign(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .post_password_exempt_contract_contracts_qs_pre_entrust_sign_pay_redirect_sign(
                    qs::pre_entrust_sign::PayRedirectSign {
                        appid: "wxd678efh567hg6787".into(),
                        sub_appid: "wxd678efh567hg6999".into(),
                        sub_mchid: SUB_MCHID.into(),
                        service_id: SERVICE_ID,
                        out_contract_code: CONTRACT.into(),
                        notify_url: "https://yourapp.com/notify".into(),
                        contract_display_account: "微信代扣用户A".into(),
                        prepay_id: "wx201410272009395522657a690389285100".into(),
                        openid: Some(common::OPENID.into()),
                        sub_openid: None,
                    },
                )
                .await,
        )
    })
}

fn service_provider_mini_program(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .post_password_exempt_contract_contracts_service_provider_pre_entrust_sign_mini_program(service_provider::pre_entrust_sign::MiniProgram {
                    sp_appid: "wxd678efh567hg6787".into(),
                    sp_openid: Some(common::OPENID.into()),
                    sub_mchid: SUB_MCHID.into(),
                    sub_appid: "wxd678efh567hg6999".into(),
                    sub_openid: None,
                    service_id: SERVICE_ID,
                    out_contract_code: CONTRACT.into(),
                    notify_url: "https://yourapp.com/notify".into(),
                    contract_display_account: "微信代扣用户A".into(),
                })
                .await,
        )
    })
}

fn service_provider_pay_redirect_sign(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .post_password_exempt_contract_contracts_service_provider_pre_entrust_sign_pay_redirect_sign(
                    service_provider::pre_entrust_sign::PayRedirectSign {
                        sp_appid: "wxd678efh567hg6787".into(),
                        sp_openid: Some(common::OPENID.into()),
                        sub_mchid: SUB_MCHID.into(),
                        sub_appid: "wxd678efh567hg6999".into(),
                        sub_openid: None,
                        service_id: SERVICE_ID,
                        out_contract_code: CONTRACT.into(),
                        notify_url: "https://yourapp.com/notify".into(),
                        contract_display_account: "微信代扣用户A".into(),
                        prepay_id: "wx201410272009395522657a690389285100".into(),
                    },
                )
                .await,
        )
    })
}

fn contract_query(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .get_password_exempt_contract_contracts_service_id_out_contract_code(
                    service_id::OutContractCode {
                        service_id: SERVICE_ID,
                        out_contract_code: CONTRACT.into(),
                    },
                )
                .await,
        )
    })
}

fn contract_terminate(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .post_password_exempt_contract_contracts_service_id_out_contract_code_terminate(
                    service_id::out_contract_code::Terminate {
                        service_id: SERVICE_ID,
                        out_contract_code: CONTRACT.into(),
                        contract_termination_remark: "用户解约".into(),
                    },
                )
                .await,
        )
    })
}

fn jsapi_with_contract(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .post_pay_transactions_jsapi_with_contract(common::order(
                    MCHID,
                    "1217752501201407033233368018",
                ))
                .await,
        )
    })
}

fn app_with_contract(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .post_pay_transactions_app_with_contract(transactions::AppWithContract {
                    appid: "wxd678efh567hg6787".into(),
                    mchid: MCHID.into(),
                    description: "Image形象店-深圳腾大-QQ公仔".into(),
                    out_trade_no: "1217752501201407033233368018".into(),
                    notify_url: "https://www.weixin.qq.com/wxpay/pay.php".into(),
                    amount: transactions::Amount {
                        total: 100,
                        currency: Some("CNY".into()),
                    },
                    contract_info: app_contract(),
                    ..Default::default()
                })
                .await,
        )
    })
}

fn app_contract() -> transactions::AppContractInfo {
    transactions::AppContractInfo {
        plan_id: "3484306348".into(),
        contract_mchid: MCHID.into(),
        contract_appid: "wxd678efh567hg6787".into(),
        contract_code: CONTRACT.into(),
        request_serial: "1000".into(),
        contract_display_account: "微信代扣用户A".into(),
        contract_notify_url: None,
    }
}

fn pay_out_trade_no(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .get_pay_transactions_out_trade_no(transactions::OutTradeNo {
                    out_trade_no: "1217752501201407033233368018".into(),
                    mchid: MCHID.into(),
                })
                .await,
        )
    })
}

fn pay_id(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .get_pay_transactions_id_transaction_id(transactions::Id {
                    transaction_id: "1217752501201407033233368018".into(),
                    mchid: MCHID.into(),
                })
                .await,
        )
    })
}

fn pay_close(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .post_pay_transactions_out_trade_no_close(transactions::out_trade_no::Close {
                    out_trade_no: "1217752501201407033233368018".into(),
                    mchid: MCHID.into(),
                })
                .await,
        )
    })
}

fn partner_jsapi_with_contract(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .post_pay_partner_transactions_jsapi_with_contract(common::partner_order(
                    SUB_MCHID,
                    "1217752501201407033233368018",
                ))
                .await,
        )
    })
}

fn partner_app_with_contract(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .post_pay_partner_transactions_app_with_contract(
                    partner::transactions::AppWithContract {
                        sp_appid: "wx8888888888888888".into(),
                        sp_mchid: MCHID.into(),
                        sub_mchid: SUB_MCHID.into(),
                        description: "Image形象店-深圳腾大-QQ公仔".into(),
                        out_trade_no: "1217752501201407033233368018".into(),
                        notify_url: "https://www.weixin.qq.com/wxpay/pay.php".into(),
                        amount: transactions::Amount {
                            total: 100,
                            currency: Some("CNY".into()),
                        },
                        contract_info: app_contract(),
                        ..Default::default()
                    },
                )
                .await,
        )
    })
}

fn partner_out_trade_no(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .get_pay_partner_transactions_out_trade_no(partner::transactions::OutTradeNo {
                    out_trade_no: "1217752501201407033233368018".into(),
                    sp_mchid: MCHID.into(),
                    sub_mchid: SUB_MCHID.into(),
                })
                .await,
        )
    })
}

fn partner_id(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .get_pay_partner_transactions_id_transaction_id(partner::transactions::Id {
                    transaction_id: "4200000000202611270000000001".into(),
                    sp_mchid: MCHID.into(),
                    sub_mchid: SUB_MCHID.into(),
                })
                .await,
        )
    })
}

fn partner_close(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .post_pay_partner_transactions_out_trade_no_close(
                    partner::transactions::out_trade_no::Close {
                        out_trade_no: "1217752501201407033233368018".into(),
                        sp_mchid: MCHID.into(),
                        sub_mchid: SUB_MCHID.into(),
                    },
                )
                .await,
        )
    })
}

fn post_refunds(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .post_refund_domestic_refunds(PostRefunds {
                    transaction_id: Some("1217752501201407033233368018".into()),
                    out_refund_no: "1217752501201407033233368018".into(),
                    reason: Some("商品已售完".into()),
                    amount: PostRefundsAmount {
                        refund: 888,
                        from: None,
                        total: 888,
                        currency: "CNY".into(),
                    },
                    ..Default::default()
                })
                .await,
        )
    })
}

fn get_refunds(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .get_refund_domestic_refunds_out_refund_no(GetRefunds {
                    out_refund_no: "1217752501201407033233368018".into(),
                    sub_mchid: None,
                })
                .await,
        )
    })
}

fn apply_abnormal_refund(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .post_refund_domestic_refunds_refund_id_apply_abnormal_refund(ApplyAbnormalRefund {
                    refund_id: "50000000382019052709732678859".into(),
                    sub_mchid: None,
                    out_refund_no: "1217752501201407033233368018".into(),
                    r#type: AbnormalRefundType::UserBankCard,
                    bank_type: Some("ICBC_DEBIT".to_owned().into()),
                    bank_account: Some("6222021234567890123".into()),
                    real_name: Some("张三".into()),
                })
                .await,
        )
    })
}

fn transfer_batches(client: &Client) -> Pending<'_> {
    Box::pin(async move {
        answered(
            client
                .post_transfer_batches(common::transfer_batch("plfk2020042013"))
                .await,
        )
    })
}
