//! Cognito's error types. The wire puts [`AuthError::type_name`] in `__type` and the
//! message in `message`, word for word as Cognito does (Amplify UI translates them).

use ampbase_store::StoreError;

macro_rules! kinds {
    ($($name:ident),* $(,)?) => {
        /// A Cognito error type (`__type`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorKind { $($name),* }

        impl ErrorKind {
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorKind::$name => stringify!($name)),* }
            }
        }
    };
}

kinds!(
    AccessDeniedException,
    AliasExistsException,
    CodeDeliveryFailureException,
    CodeMismatchException,
    EnableSoftwareTokenMFAException,
    InvalidUserPoolConfigurationException,
    MFAMethodNotFoundException,
    SoftwareTokenMFANotFoundException,
    ExpiredCodeException,
    ExpiredTokenException,
    IncompleteSignatureException,
    GroupExistsException,
    InternalErrorException,
    InvalidParameterException,
    InvalidPasswordException,
    InvalidSignatureException,
    LimitExceededException,
    MissingAuthenticationTokenException,
    NotAuthorizedException,
    PasswordResetRequiredException,
    ResourceNotFoundException,
    TooManyFailedAttemptsException,
    TooManyRequestsException,
    UnsupportedTokenTypeException,
    UnrecognizedClientException,
    UnknownOperationException,
    SerializationException,
    UserNotConfirmedException,
    UserNotFoundException,
    UsernameExistsException,
);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", kind.as_str())]
pub struct AuthError {
    pub kind: ErrorKind,
    pub message: String,
}

impl AuthError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> AuthError {
        AuthError {
            kind,
            message: message.into(),
        }
    }

    pub fn type_name(&self) -> &'static str {
        self.kind.as_str()
    }

    pub fn invalid_parameter(message: impl Into<String>) -> AuthError {
        AuthError::new(ErrorKind::InvalidParameterException, message)
    }

    pub fn not_authorized(message: impl Into<String>) -> AuthError {
        AuthError::new(ErrorKind::NotAuthorizedException, message)
    }

    pub fn incorrect_credentials() -> AuthError {
        AuthError::not_authorized("Incorrect username or password.")
    }

    pub fn invalid_access_token() -> AuthError {
        AuthError::not_authorized("Invalid Access Token")
    }

    pub fn user_not_found() -> AuthError {
        AuthError::new(ErrorKind::UserNotFoundException, "User does not exist.")
    }

    pub fn code_mismatch() -> AuthError {
        AuthError::new(
            ErrorKind::CodeMismatchException,
            "Invalid verification code provided, please try again.",
        )
    }

    pub fn expired_code() -> AuthError {
        AuthError::new(
            ErrorKind::ExpiredCodeException,
            "Invalid code provided, please request a code again.",
        )
    }

    pub fn missing(param: &str) -> AuthError {
        AuthError::invalid_parameter(format!("Missing required parameter {param}"))
    }

    pub fn internal(message: impl std::fmt::Display) -> AuthError {
        tracing::error!("auth: internal error: {message}");
        AuthError::new(
            ErrorKind::InternalErrorException,
            "An internal error occurred.",
        )
    }
}

impl From<StoreError> for AuthError {
    fn from(e: StoreError) -> AuthError {
        AuthError::internal(e)
    }
}

pub type AuthResult<T> = Result<T, AuthError>;
