// The Java client from Kotlin: the calls, the typed errors and the
// LocalVerifier as a Kotlin program sees them (scripts/test_java.sh compiles
// it with kotlinc and runs it against a live server).
import java.time.Duration
import sessionauthority.LocalVerifier
import sessionauthority.SessionAuthorityClient
import sessionauthority.SessionAuthorityException

fun main(args: Array<String>) {
    val target = if (args.isNotEmpty()) args[0] else "127.0.0.1:50051"
    val apiKey: String? = System.getenv("SESSION_AUTHORITY_API_KEY")
    val options = SessionAuthorityClient.Options().apiKey(apiKey).timeout(Duration.ofSeconds(5))
    SessionAuthorityClient(target, options).use { client ->
        LocalVerifier(target, LocalVerifier.Options().apiKey(apiKey)).start().use { verifier ->
            val created = client.createSession("user-42", "kotlin")
            val token = created.tokens.accessToken
            val checked = client.validateSession(token, "user-42", "kotlin")
            println("validated ${checked.valid}")
            println("ready ${verifier.waitReady(Duration.ofSeconds(10))}")
            println("verified ${verifier.verify(token).valid()}")
            client.revokeSession(created.session.sessionId)
            try {
                client.renewSession(created.tokens.refreshToken)
            } catch (e: SessionAuthorityException.SessionRevoked) {
                println("renew after logout: ${e.code()} ${e.reason()}")
            }
            val deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos()
            while (verifier.verify(token).reason() != "SESSION_REVOKED" && System.nanoTime() < deadline) {
                Thread.sleep(1)
            }
            println("refused offline: ${verifier.verify(token).reason()}")
        }
    }
}
